public import HosoCore

/// Checks made on the raw bytes of an XML file before libxml2 sees them: emptiness, compression,
/// encoding (UTF-8 only, with the exact position of the first bad byte) and any DOCTYPE.
///
/// Pure functions over bytes, so every branch is unit-tested without a parser.
public enum XMLPrecheck {
    /// The first problem with `bytes`, or nil when they may be given to the parser.
    public static func check(_ bytes: UnsafeRawBufferPointer, file: String) -> Diagnostic? {
        let n = bytes.count
        if n == 0 || bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            return Diagnostic(.emptyFile, file: file, message: n == 0 ? "the file is empty" : "the file holds only white space",
                              expected: "a dossier XML document", found: "\(n) bytes",
                              advice: "Export the dossier's metadata again; an empty file usually means an interrupted copy")
        }
        // (Before the compression check: an Office document is a zip too.)
        if let kind = documentKind(bytes) {
            // A scan given where its dossier's metadata was meant: no encoding to convert.
            return Diagnostic(.wrongDocumentType, file: file, line: 1, column: 1,
                              message: "the file is \(kind), not XML",
                              expected: "a dossier's XML metadata (dossier.xml)", found: kind,
                              advice: "Give the dossier's XML file, or its folder; the scans are archived with it, named in its <file> elements")
        }
        if let kind = compressionKind(bytes) {
            return Diagnostic(.compressedInput, file: file, line: 1, column: 1,
                              message: "the file is \(kind)-compressed, not XML",
                              expected: "plain UTF-8 XML", found: "\(kind) data",
                              advice: "Decompress the file and validate the XML inside it; hoso never decompresses XML itself, to rule out compression bombs")
        }
        // UTF-32's marks first: little-endian UTF-32 begins with UTF-16's.
        if n >= 4 && (bytes[0..<4].elementsEqual([0xFF, 0xFE, 0, 0]) || bytes[0..<4].elementsEqual([0, 0, 0xFE, 0xFF])) {
            return Diagnostic(.notUTF8, file: file, line: 1, column: 1,
                              message: "the file is UTF-32 (it starts with a UTF-32 byte-order mark)",
                              expected: "UTF-8", found: "UTF-32",
                              advice: "Convert the file to UTF-8 (for example: iconv -f UTF-32 -t UTF-8) and change its encoding declaration")
        }
        if n >= 2 && ((bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE)) {
            return Diagnostic(.notUTF8, file: file, line: 1, column: 1,
                              message: "the file is UTF-16 (it starts with a UTF-16 byte-order mark)",
                              expected: "UTF-8", found: "UTF-16",
                              advice: "Convert the file to UTF-8 (for example: iconv -f UTF-16 -t UTF-8) and change its encoding declaration")
        }
        if let bad = firstInvalidUTF8(bytes) {
            let (line, column) = position(of: bad, in: bytes)
            let shown = (bad..<min(n, bad + 4)).map { hexByte(bytes[$0]) }.joined(separator: " ")
            let isNUL = bytes[bad] == 0
            // An interrupted copy, not an encoding: zeros to the end (space allocated, never
            // written), or a character cut by the end of the file.
            if isNUL && (bad..<n).allSatisfy({ bytes[$0] == 0 }) && bad > 0 {
                return Diagnostic(.notUTF8, file: file, line: line, column: column,
                                  message: "the file ends with \(n - bad) zero bytes after byte \(bad): an interrupted or damaged copy",
                                  expected: "the document's last '>' as the end of the file", found: "\(n - bad) bytes 0x00",
                                  advice: "Copy the file again from the source; do not convert its encoding")
            }
            if !isNUL && n - bad < 4 && Self.isTruncatedSequence(bytes, from: bad) {
                return Diagnostic(.notUTF8, file: file, line: line, column: column,
                                  message: "the file ends in the middle of a character: it is cut short",
                                  expected: "a complete file", found: "bytes \(shown) at the very end",
                                  advice: "Copy the file again from the source; do not convert its encoding")
            }
            // The encoding the file declares, where it is another: the likely cause, named.
            // Only a name as XML writes one (EncName), never the file's other bytes, goes into
            // the advice's example command.
            let declared = declaredEncoding(bytes).flatMap { name -> String? in
                guard !["utf-8", "utf8"].contains(name.lowercased()), (1...40).contains(name.count), name.first?.isLetter == true,
                      name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else { return nil }
                return name
            }
            return Diagnostic(.notUTF8, file: file, line: line, column: column,
                              message: isNUL ? "the file contains a NUL byte (is it UTF-16 without a byte-order mark?)"
                                             : "the file is not valid UTF-8 at byte offset \(bad)" + (declared.map { " (its XML declaration names the encoding '\($0)')" } ?? ""),
                              expected: "UTF-8", found: "bytes \(shown)",
                              advice: declared.map { "Convert the file from \($0) to UTF-8 (for example: iconv -f \($0) -t UTF-8) and declare encoding=\"UTF-8\"" }
                                  ?? "Convert the file to UTF-8; if the text was written in a legacy Vietnamese encoding (TCVN3, VNI, CP1258), convert it from that encoding")
        }
        if let declared = declaredEncoding(bytes) {
            let lower = declared.lowercased()
            if lower != "utf-8" && lower != "utf8" {
                return Diagnostic(.notUTF8, file: file, line: 1, column: 1,
                                  message: "the XML declaration names the encoding '\(declared)'",
                                  expected: "encoding=\"UTF-8\" (or no declaration)", found: "encoding=\"\(declared)\"",
                                  advice: "Convert the file to UTF-8 and declare encoding=\"UTF-8\"")
            }
        }
        if let (at, count) = crowdedElement(bytes) {
            let (line, column) = position(of: at, in: bytes)
            return Diagnostic(.notWellFormed, file: file, line: line, column: column,
                              message: "an element has \(count) attributes or more",
                              expected: "at most \(maxAttributes) attributes on one element (the dossier schema uses a handful)", found: "\(count)",
                              advice: "This is not dossier metadata; check the file (the parser's time grows with the square of an element's attributes)")
        }
        if let at = doctypeOffset(bytes) {
            let (line, column) = position(of: at, in: bytes)
            return Diagnostic(.doctypeForbidden, file: file, line: line, column: column,
                              message: "the document has a DOCTYPE declaration",
                              expected: "no DOCTYPE (dossier XML is validated by its XSD)", found: "<!DOCTYPE",
                              advice: "Remove the DOCTYPE; hoso refuses DTDs and entities, which can read local files, reach the network or expand without bound")
        }
        return nil
    }

    /// What a document or image file is, by its signature (a scan given as the metadata).
    static func documentKind(_ b: UnsafeRawBufferPointer) -> String? {
        func starts(_ magic: [UInt8]) -> Bool { holds(b, magic, at: 0) }
        func at(_ offset: Int, _ magic: String) -> Bool { holds(b, Array(magic.utf8), at: offset) }
        if starts(Array("%PDF-".utf8)) { return "a PDF document" }
        if starts([0xFF, 0xD8, 0xFF]) { return "a JPEG image" }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "a PNG image" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "a TIFF image" }
        if starts(Array("GIF8".utf8)) { return "a GIF image" }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return "an old Microsoft Office document (.doc, .xls)" }
        // A phone's photo: WebP (RIFF….WEBP), HEIC (….ftypheic and its kin).
        if starts(Array("RIFF".utf8)) && at(8, "WEBP") { return "a WebP image" }
        if at(4, "ftyp") && ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].contains(where: { at(8, $0) }) { return "an HEIC photo" }
        // An Office document is a zip whose first entry names its content types.
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            let window = b.prefix(512)
            if ["[Content_Types].xml", "word/", "xl/"].contains(where: { window.firstRange(of: Array($0.utf8)) != nil }) {
                return "a Word or Excel document (.docx, .xlsx)"
            }
        }
        return nil
    }

    /// Whether `b` holds the bytes `magic` at `offset` (a file format's signature).
    static func holds(_ b: UnsafeRawBufferPointer, _ magic: [UInt8], at offset: Int) -> Bool {
        b.count >= offset + magic.count && magic.indices.allSatisfy { b[offset + $0] == magic[$0] }
    }

    static func compressionKind(_ b: UnsafeRawBufferPointer) -> String? {
        func starts(_ magic: [UInt8]) -> Bool { holds(b, magic, at: 0) }
        if starts([0x1F, 0x8B]) { return "gzip" }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "zip" }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return "zstd" }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return "xz" }
        if starts([0x42, 0x5A, 0x68]) { return "bzip2" }
        return nil
    }

    /// Whether the bytes from `start` to the end are the beginning of a multi-byte UTF-8
    /// sequence that the end of the file cut.
    static func isTruncatedSequence(_ b: UnsafeRawBufferPointer, from start: Int) -> Bool {
        let lead = b[start]
        let length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 && lead < 0xE0 ? 2 : 0
        guard length > b.count - start else { return false }
        return (start + 1..<b.count).allSatisfy { b[$0] & 0xC0 == 0x80 }
    }

    /// The offset of the first byte that is not part of a well-formed UTF-8 sequence (overlongs,
    /// surrogates and values above U+10FFFF are ill-formed), or of the first NUL byte.
    public static func firstInvalidUTF8(_ b: UnsafeRawBufferPointer) -> Int? {
        let n = b.count
        var i = 0
        while i < n {
            let c = b[i]
            if c < 0x80 {
                if c == 0 { return i }
                i &+= 1; continue
            }
            var need = 0
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            guard i + need < n else { return i }
            let c1 = b[i + 1]
            guard c1 >= lo && c1 <= hi else { return i }
            for k in 2..<(need + 1) where need >= 2 {
                guard b[i + k] & 0xC0 == 0x80 else { return i }
            }
            i &+= need + 1
        }
        return nil
    }

    /// 1-based line and column (in characters) of a byte offset.
    public static func position(of offset: Int, in b: UnsafeRawBufferPointer) -> (line: Int, column: Int) {
        var line = 1, column = 1
        var i = 0
        while i < offset && i < b.count {
            if b[i] == 0x0A { line += 1; column = 1 } else if b[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return (line, column)
    }

    /// The encoding named in the XML declaration, if there is one (read on bytes).
    static func declaredEncoding(_ b: UnsafeRawBufferPointer) -> String? {
        var start = 0
        if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { start = 3 }
        let prefix: [UInt8] = Array("<?xml".utf8)
        guard b.count >= start + 5, (0..<5).allSatisfy({ b[start + $0] == prefix[$0] }) else { return nil }
        var end = start
        while end + 1 < b.count && end < start + 512 {
            if b[end] == UInt8(ascii: "?") && b[end + 1] == UInt8(ascii: ">") { break }
            end += 1
        }
        let key: [UInt8] = Array("encoding".utf8)
        var i = start
        while i + key.count <= end {
            if (0..<key.count).allSatisfy({ b[i + $0] == key[$0] }) { break }
            i += 1
        }
        guard i + key.count <= end else { return nil }
        i += key.count
        while i < end && (b[i] == 0x20 || b[i] == 0x3D || b[i] == 0x09) { i += 1 }
        guard i < end, b[i] == 0x22 || b[i] == 0x27 else { return nil }
        let quote = b[i]
        i += 1
        let valueStart = i
        while i < end && b[i] != quote { i += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[valueStart..<i]), as: UTF8.self)
    }

    /// The offset of a `<!DOCTYPE` in the prolog (after the declaration, comments, processing
    /// instructions and white space), or nil.
    public static func doctypeOffset(_ b: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        let n = b.count
        if n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
        func at(_ s: String, _ k: Int) -> Bool {
            let u = Array(s.utf8)
            return k + u.count <= n && u.indices.allSatisfy { b[k + $0] == u[$0] }
        }
        while i < n {
            let c = b[i]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1; continue }
            if at("<?", i) {
                i += 2
                while i + 1 < n && !(b[i] == UInt8(ascii: "?") && b[i + 1] == UInt8(ascii: ">")) { i += 1 }
                i += 2; continue
            }
            if at("<!--", i) {
                i += 4
                while i + 2 < n && !(b[i] == 0x2D && b[i + 1] == 0x2D && b[i + 2] == 0x3E) { i += 1 }
                i += 3; continue
            }
            if at("<!DOCTYPE", i) || at("<!doctype", i) { return i }
            return nil
        }
        return nil
    }

    /// More attributes than this on one element are refused before parsing: libxml2 checks
    /// each new attribute against all before it (40,000 attributes, a 430 KB file, took 34 s).
    public static let maxAttributes = 64

    /// The offset of the first start tag with more than `maxAttributes` attributes, and how many
    /// were counted (counting stops there), or nil. One pass over the bytes: comments, CDATA
    /// sections and processing instructions are skipped, quoted values may hold any byte.
    public static func crowdedElement(_ b: UnsafeRawBufferPointer) -> (offset: Int, count: Int)? {
        let n = b.count
        var i = 0
        func skip(past end: [UInt8], from k: Int) -> Int {
            var j = k
            while j + end.count <= n {
                if b[j] == end[0] && (1..<end.count).allSatisfy({ b[j + $0] == end[$0] }) { return j + end.count }
                j += 1
            }
            return n
        }
        while i < n {
            guard b[i] == UInt8(ascii: "<"), i + 1 < n else { i += 1; continue }
            let next = b[i + 1]
            if next == UInt8(ascii: "!") {
                if i + 3 < n && b[i + 2] == 0x2D && b[i + 3] == 0x2D { i = skip(past: Array("-->".utf8), from: i + 4) }
                else if i + 8 < n && b[i + 2] == UInt8(ascii: "[") { i = skip(past: Array("]]>".utf8), from: i + 9) }
                else { i = skip(past: [UInt8(ascii: ">")], from: i + 2) }
                continue
            }
            if next == UInt8(ascii: "?") { i = skip(past: Array("?>".utf8), from: i + 2); continue }
            if next == UInt8(ascii: "/") { i = skip(past: [UInt8(ascii: ">")], from: i + 2); continue }
            // A start tag: count '=' outside quoted values up to its '>'.
            let start = i
            var quote: UInt8 = 0, count = 0
            i += 1
            while i < n {
                let c = b[i]
                if quote != 0 { if c == quote { quote = 0 } }
                else if c == 0x22 || c == 0x27 { quote = c }
                else if c == UInt8(ascii: "=") {
                    count += 1
                    if count > maxAttributes { return (start, count) }
                } else if c == UInt8(ascii: ">") { break }
                i += 1
            }
            i += 1
        }
        return nil
    }

    static func hexByte(_ v: UInt8) -> String {
        let d = Array("0123456789ABCDEF")
        return "0x" + String(d[Int(v >> 4)]) + String(d[Int(v & 15)])
    }
}
