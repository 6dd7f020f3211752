import HosoCommands

Hoso.main()
