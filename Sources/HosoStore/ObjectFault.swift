public import HosoCore

/// What can be wrong with a stored object, found while reading it.
public enum ObjectFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// No object under that name.
    case missing
    /// The stored bytes end before the header or the payload is complete.
    case truncated(String)
    /// The content decodes, but its SHA-256 is not the object's name.
    case hashMismatch(found: ObjectID)
    /// The compressed payload cannot be decoded.
    case corruptStream(String)
    /// Bytes follow the complete payload.
    case trailingData
    /// The payload decodes to a length other than the header's.
    case sizeMismatch(expected: UInt64, found: UInt64)
    /// The header records another size than the ledger recorded for this name: another
    /// object's file under this name (seen without reading the content).
    case recordedSizeDiffers(recorded: UInt64, header: UInt64)
    /// The header is damaged or of an unknown format.
    case headerCorrupt(ObjectHeader.Problem)
    /// The entry is a symbolic link, a folder or a special file.
    case notRegular(String)
    /// The bytes cannot be read at all.
    case unreadable(String)
    /// This user may not read the object (its file's or a folder's permissions): nothing is
    /// known of its state.
    case notPermitted(String)
    /// The store refuses to give the bytes to these credentials (S3 403).
    case accessDenied(String)

    /// The stable code of this fault.
    public var code: DiagnosticCode {
        switch self {
        case .missing: .objectMissing
        case .truncated: .objectTruncated
        case .hashMismatch: .objectHashMismatch
        case .corruptStream: .objectCorruptStream
        case .trailingData: .objectTrailingData
        case .sizeMismatch, .recordedSizeDiffers: .objectSizeMismatch
        case .headerCorrupt: .objectHeaderCorrupt
        case .notRegular: .objectNotRegular
        case .unreadable: .objectUnreadable
        case .notPermitted: .ioFailure
        case .accessDenied: .storeAccessDenied
        }
    }

    /// Whether the stored bytes themselves are damaged (not missing, unreadable or refused).
    public var isDamage: Bool {
        switch self {
        case .truncated, .hashMismatch, .corruptStream, .trailingData, .sizeMismatch, .recordedSizeDiffers, .headerCorrupt: true
        case .missing, .notRegular, .unreadable, .notPermitted, .accessDenied: false
        }
    }

    public var description: String {
        switch self {
        case .missing: "the object is missing"
        case .truncated(let s): "the object is truncated: \(s)"
        case .hashMismatch(let f): "the object's content does not match its name (content hashes to \(f.prefixed))"
        case .corruptStream(let s): "the object's compressed stream is corrupt: \(s)"
        case .trailingData: "the object has bytes after its complete payload"
        case let .sizeMismatch(e, f): "the object decodes to \(f) bytes where its header records \(e)"
        case let .recordedSizeDiffers(r, h): "the object's header records \(h) bytes where the ledger recorded \(r) for this name: another object's file is here"
        case .headerCorrupt(let p): "the object header is corrupt: \(p)"
        case .notRegular(let s): "the store entry is not a regular file: \(s)"
        case .unreadable(let s): "the object cannot be read: \(s)"
        case .notPermitted(let s): "the object cannot be read by this user: \(s)"
        case .accessDenied(let s): "the store refused access to the object: \(s)"
        }
    }

    /// What an operator should do about this fault.
    public var advice: String {
        switch self {
        case .missing:
            "The object is gone from the store; copy it back from a replica ('hoso replicate --from REPLICA'), or restore the file from a backup, then run 'hoso verify'"
        case .truncated, .hashMismatch, .corruptStream, .trailingData, .sizeMismatch, .recordedSizeDiffers, .headerCorrupt:
            "The stored copy is damaged; replace it from a replica ('hoso replicate --from REPLICA --repair'; for a damaged replica, 'hoso replicate --to REPLICA --repair'), or from a backup, then run 'hoso verify'"
        case .notRegular:
            "Remove the link or special file and restore the object from a replica; the store holds only regular files"
        case .unreadable:
            "Check permissions and the disk (dmesg, smartctl), or that the S3 service answers; then run 'hoso verify' again"
        case .notPermitted:
            "Run the command as the archive's owner, or ask the owner for read access to the store; the object is not known to be damaged"
        case .accessDenied:
            "Check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the bucket's policy for this prefix"
        }
    }

    /// The exit status of a command that met this fault reading one object: 3 when this user
    /// may not read it (the command could not be carried out; nothing is known of the object),
    /// else 1.
    public var exitStatus: Int32 { if case .notPermitted = self { 3 } else { 1 } }

    /// The finding for object `id` stored at `path`.
    public func diagnostic(id: ObjectID?, path: String?) -> Diagnostic {
        var d = Diagnostic(code, file: path, subject: id?.prefixed, message: description, advice: advice)
        if case let .hashMismatch(found) = self, let id {
            d.message = "the object's content does not match its name"
            d.expected = id.prefixed; d.found = found.prefixed
        }
        if case let .recordedSizeDiffers(r, h) = self {
            d.expected = "\(r) bytes (as the ledger recorded)"; d.found = "\(h) bytes (as the stored header records)"
        }
        if case let .sizeMismatch(e, f) = self {
            d.message = "the object decodes to a length other than its header records"
            d.expected = "\(e) bytes"; d.found = "\(f) bytes"
        }
        return d
    }
}
