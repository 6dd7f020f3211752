import GRDB

/// The catalog's tables, created by named migrations. A migration is never edited once shipped;
/// changes come as new migrations (GRDB's migrator records which ran).
enum CatalogSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("2026-11-29-catalog-v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE ledger_entries (
                    sequence INTEGER PRIMARY KEY NOT NULL,
                    id TEXT NOT NULL UNIQUE,
                    previous TEXT,
                    time TEXT NOT NULL,
                    operator TEXT NOT NULL,
                    source TEXT NOT NULL,
                    dossier_count INTEGER NOT NULL
                );

                CREATE TABLE dossiers (
                    manifest TEXT PRIMARY KEY NOT NULL,
                    number TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    is_current INTEGER NOT NULL,
                    superseded_by TEXT,
                    supersedes TEXT,
                    ledger_sequence INTEGER NOT NULL REFERENCES ledger_entries(sequence),
                    xml_object TEXT NOT NULL,
                    local_code TEXT,
                    archival_code TEXT NOT NULL,
                    title TEXT NOT NULL,
                    procedure_code TEXT NOT NULL,
                    procedure_name TEXT NOT NULL,
                    sector TEXT NOT NULL,
                    level TEXT NOT NULL,
                    receiving_agency_code TEXT NOT NULL,
                    receiving_agency_name TEXT NOT NULL,
                    handling_agency_code TEXT NOT NULL,
                    handling_agency_name TEXT NOT NULL,
                    applicant_kind TEXT NOT NULL,
                    applicant_name TEXT NOT NULL,
                    citizen_id TEXT,
                    phone TEXT,
                    email TEXT,
                    address TEXT NOT NULL,
                    commune TEXT NOT NULL,
                    district TEXT,
                    province TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    received_at INTEGER NOT NULL,
                    received_text TEXT NOT NULL,
                    received_day TEXT NOT NULL,
                    due_at INTEGER NOT NULL,
                    due_text TEXT NOT NULL,
                    completed_at INTEGER,
                    completed_text TEXT,
                    returned_at INTEGER,
                    returned_text TEXT,
                    status TEXT NOT NULL,
                    timeliness TEXT NOT NULL,
                    result_type TEXT,
                    result_number TEXT,
                    retention_years INTEGER,
                    access_mode TEXT NOT NULL,
                    language TEXT NOT NULL,
                    keywords TEXT NOT NULL,
                    page_count INTEGER NOT NULL,
                    document_count INTEGER NOT NULL,
                    digitized INTEGER NOT NULL,
                    UNIQUE (number, version)
                );
                CREATE INDEX dossiers_current ON dossiers(number) WHERE is_current = 1;
                CREATE INDEX dossiers_xml ON dossiers(xml_object);
                CREATE INDEX dossiers_received ON dossiers(received_at);

                CREATE TABLE components (
                    manifest TEXT NOT NULL REFERENCES dossiers(manifest),
                    position INTEGER NOT NULL,
                    component_id TEXT NOT NULL,
                    role TEXT NOT NULL,
                    copy_type TEXT NOT NULL,
                    name TEXT NOT NULL,
                    file TEXT NOT NULL,
                    object TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    media_type TEXT NOT NULL,
                    pages INTEGER NOT NULL,
                    PRIMARY KEY (manifest, position)
                ) WITHOUT ROWID;
                CREATE INDEX components_object ON components(object);

                CREATE TABLE objects (
                    id TEXT PRIMARY KEY NOT NULL,
                    size INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    first_sequence INTEGER NOT NULL
                ) WITHOUT ROWID;

                -- A cache for fast re-ingest, not archive data: a source file's identity on disk
                -- when it was last hashed. Excluded from 'hoso verify' and from rebuild equality.
                CREATE TABLE source_cache (
                    path BLOB PRIMARY KEY NOT NULL,
                    device INTEGER NOT NULL,
                    inode INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL,
                    ctime_ns INTEGER NOT NULL,
                    object TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("2026-11-29-index-digest") { db in
            // The SHA-256 of the version's index document (IndexDocument.digest); NULL in rows
            // written before it was recorded.
            try db.execute(sql: "ALTER TABLE dossiers ADD COLUMN index_digest TEXT")
        }
        return m
    }
}
