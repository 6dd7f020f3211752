/// The layout of a segment file (`index/seg-NNNNNN.hix`), immutable once written.
///
/// ```
/// header  32 bytes: magic "HOSOSEG1", format version u32, doc count u32, term count u32,
///         text field count u32, 8 reserved bytes
/// sections, each 8-byte aligned, in this order:
///   0 term offsets   u32 × (terms + 1), into the term bytes
///   1 term bytes     terms sorted as bytes: field u8, kind u8, key
///   2 term infos     32 bytes per term: doc freq u32, total term frequency u32 (version 1:
///                    the block count), postings u64, positions u64, skips u64 (absolute offsets)
///   3 postings       per term, blocks of 128 docs. Version 2: a full block is bit-packed:
///                    doc bits u8, freq bits u8, the first doc's delta varint, then 127 packed
///                    (delta − 1) values, then 128 packed (freq − 1) values, each run padded to a
///                    byte; a last block of fewer than 128 docs, and every block of version 1, is
///                    (doc delta varint, freq varint) per doc. Deltas of a block's first doc are
///                    from the previous block's last doc (0 for the first block). The section ends
///                    with 8 zero bytes so that unpacking may read a word past a block's end.
///   4 positions      per term, per doc: freq position deltas (varint)
///   5 skips          per term with more than one block: (last doc u32, postings offset u32,
///                    positions offset u32) per block, offsets relative to the term's start
///   6 norms          per text field, doc count × u16 (tokens in the field); then, 8-aligned,
///                    per text field the sum of its lengths (u64)
///   7 columns        received day i32[], due day i32[], completed day i32[], year u16[],
///                    status u8[], timeliness u8[], procedure ordinal u32[], agency ordinal u32[],
///                    then the dossier numbers: end offsets u32 × (docs + 1, the first 0), UTF-8
///                    bytes (uncompressed, so ties are ordered and deletions checked without
///                    decompressing documents)
///   8 ordinals       procedure count u32, (code, name) strings; agency count u32, (code, name);
///                    version 4: then, 4-aligned, per procedure and then per agency ordinal the
///                    document received last (u32), whose name is the one given (versions 1 to
///                    3 give the name of the document added last, and no documents)
///   9 doc blocks     per block of 16 documents: offset u64, compressed length u32, raw length u32
///  10 documents      the blocks, raw DEFLATE (libdeflate); a block holds 16 u32 offsets, then
///                    each document's fields as strings (everything indexed, for display,
///                    merging and deletion statistics): the fields of `Field` in order of their
///                    numbers; version 5 with `channel`, versions 3 and 4 without it, versions 1
///                    and 2 without `result` and `signer` either
/// footer: section table (offset u64, length u64) × 11, section table offset u64,
///         CRC-32 u32 of every byte before it, reserved u32, magic "HOSOEND1"
/// ```
enum SegmentFormat {
    static let magic: [UInt8] = Array("HOSOSEG1".utf8)
    static let endMagic: [UInt8] = Array("HOSOEND1".utf8)
    /// The version written.
    static let version: UInt32 = 5
    /// Versions read: version 1 segments (varint postings only) stay searchable; a merge that
    /// takes them in, `hoso index optimize` or `hoso index rebuild` rewrites them in the current
    /// version (large ones are left alone by automatic merges).
    static let readableVersions: ClosedRange<UInt32> = 1...5
    static let headerSize = 32
    static let sectionCount = 11
    static let footerTail = 24          // table offset u64, crc u32, reserved u32, magic 8
    static let blockSize = 128
    /// Documents per compressed block of stored documents.
    static let docsPerBlock = 16
    static let termInfoSize = 32
    static let skipEntrySize = 12
    /// Positions between two values of one field, so a phrase never spans values.
    static let valueGap = 16

    enum Section: Int {
        case termOffsets = 0, termBytes, termInfos, postings, positions, skips, norms, columns, ordinals, docOffsets, documents
    }
}
