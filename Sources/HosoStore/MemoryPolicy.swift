import CHosoSys

/// How the process asks malloc for large blocks. glibc raises its mmap threshold each time a
/// large block is freed (up to 32 MB); from then on the doubling arrays of a long listing come
/// from its heap, and the stages they outgrew stay resident as holes among what lives on: a
/// budgeted verify of a million dossiers kept 920 MB resident for about 550 MB in use.
public enum MemoryPolicy {
    /// Blocks of a megabyte or more get pages of their own, given back when freed: for work
    /// that builds lists of every name in an archive and reads no scan's payload (ledger
    /// entries and manifests are small).
    public static func returnLargeBlocksAtOnce() { choso_set_mmap_threshold(1 << 20) }

    /// Blocks under 32 MB come from the heap and are reused: for reading objects, whose
    /// decoding buffers (a megabyte or two each) would otherwise be fresh pages every time.
    public static func reuseLargeBlocks() { choso_set_mmap_threshold(32 << 20) }
}
