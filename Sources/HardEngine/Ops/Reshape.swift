// Reshape (a view sharing storage) and batch slicing (a copy).

extension Tensor {
    /// The same elements seen with another shape (row-major order unchanged). One
    /// dimension may be -1 and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var shape = newShape
        if let i = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape \(self.shape) to \(newShape)")
            shape[i] = count / known
        }
        precondition(shape.reduce(1, *) == count, "reshape \(self.shape) (\(count) elements) to \(newShape)")
        if let y = GraphTrace.intercept(.reshape(shape), [self], shape: shape) { return y }
        let oldShape = self.shape
        let view = Tensor(shape: shape, storage: storage)
        return view.recorded("reshape", inputs: [self]) { dy in
            [Tensor(shape: oldShape, storage: dy.storage)]
        }
    }

    /// Items [start, start + count) along the batch axis (axis 0), copied.
    public func batchSlice(_ start: Int, count n: Int) -> Tensor {
        precondition(rank >= 1 && start >= 0 && n > 0 && start + n <= shape[0], "batchSlice \(start)..<\(start + n) of \(shape)")
        let itemSize = count / shape[0]
        var outShape = shape
        outShape[0] = n
        let out = Tensor.uninitialized(outShape)
        out.pointer.update(from: pointer + start * itemSize, count: n * itemSize)
        let fullShape = shape
        return out.recorded("batch_slice", inputs: [self]) { dy in
            let dx = Tensor.zeros(fullShape)
            (dx.pointer + start * itemSize).update(from: dy.pointer, count: n * itemSize)
            return [dx]
        }
    }
}
