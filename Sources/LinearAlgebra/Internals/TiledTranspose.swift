/// `dst[j * rows + i] = src[i * cols + j]` for a row-major `rows × cols` source:
/// the transpose, which is also the source's column-major copy. Done in
/// 32 × 32 tiles, so both the reads and the writes stay within a few cache
/// lines per tile instead of striding a whole column per element.
@inline(__always)
internal func tiledTranspose<S>(_ src: UnsafePointer<S>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<S>) {
    let tile = 32
    var i0 = 0
    while i0 < rows {
        let i1 = min(rows, i0 + tile)
        var j0 = 0
        while j0 < cols {
            let j1 = min(cols, j0 + tile)
            for i in i0..<i1 {
                for j in j0..<j1 { dst[j * rows + i] = src[i * cols + j] }
            }
            j0 = j1
        }
        i0 = i1
    }
}
