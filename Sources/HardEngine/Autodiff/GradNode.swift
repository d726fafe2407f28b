/// One recorded op in the autodiff graph: which tensors it read, and how to turn the
/// gradient of its output into gradients of those inputs.
///
/// The backward closure must not capture the output *tensor* (that would be a reference
/// cycle output -> node -> closure -> output); it captures input tensors or storages only.
final class GradNode {
    let op: String
    let inputs: [Tensor]
    /// Given dL/d(output), returns dL/d(input i) for each input (nil where not needed).
    let backward: (Tensor) -> [Tensor?]

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

/// Global switches of the autodiff recorder.
public enum Autograd {
    /// False inside `withNoGrad`: ops then record nothing (inference, evaluation).
    public internal(set) static var isRecording = true

    /// Runs `body` without recording any op: no graph, no saved tensors.
    public static func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
        let previous = isRecording
        isRecording = false
        defer { isRecording = previous }
        return try body()
    }
}

/// Runs `body` with autodiff recording switched off.
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try Autograd.withNoGrad(body)
}

extension Tensor {
    /// Attaches `backward` to `self` as the op that produced it, if any input needs a gradient.
    /// Returns `self` so op implementations can end with `return out.recorded(...)`.
    @discardableResult
    func recorded(_ op: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard Autograd.isRecording, inputs.contains(where: { $0.requiresGrad }) else { return self }
        requiresGrad = true
        gradFn = GradNode(op: op, inputs: inputs, backward: backward)
        return self
    }

    /// Reverse-mode differentiation from this scalar: adds dL/dx to `x.grad` of every
    /// leaf x that requires a gradient and that this value depends on.
    ///
    /// The tape is the graph of recorded nodes reachable from `self`, replayed in reverse
    /// topological order. Gradients of leaves accumulate across calls (as in PyTorch);
    /// call `zeroGrad()` or let the optimizer clear them.
    public func backward(seed: Tensor? = nil) {
        precondition(seed != nil || count == 1, "backward() needs a scalar, got shape \(shape)")
        guard requiresGrad else { return }
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [:]
        pending[ObjectIdentifier(self)] = seed ?? Tensor.full(shape, 1)
        Autograd.withNoGrad {
            for node in order.reversed() {
                guard let gradOut = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                guard let fn = node.gradFn else {
                    if node.requiresGrad { node.accumulateGrad(gradOut) }
                    continue
                }
                let grads = fn.backward(gradOut)
                precondition(grads.count == fn.inputs.count, "\(fn.op): backward gave \(grads.count) grads for \(fn.inputs.count) inputs")
                for (input, g) in zip(fn.inputs, grads) {
                    guard let g, input.requiresGrad else { continue }
                    precondition(g.shape == input.shape, "\(fn.op): gradient shape \(g.shape) for input \(input.shape)")
                    let key = ObjectIdentifier(input)
                    if let existing = pending[key] {
                        pending[key] = existing.summed(g)
                    } else {
                        pending[key] = g
                    }
                }
            }
        }
    }

    private func accumulateGrad(_ g: Tensor) {
        if let existing = grad {
            existing.addInPlace(g)
        } else {
            // Own the gradient buffer: `g` may alias a buffer another node still reads.
            grad = g.copy()
        }
    }

    /// Depth-first post-order over the recorded graph (iterative: graphs can be deep).
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            let id = ObjectIdentifier(t)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((t, true))
            for input in t.gradFn?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }

    /// self += other, element-wise (no autodiff).
    func addInPlace(_ other: Tensor) {
        precondition(other.count == count, "addInPlace \(other.shape) into \(shape)")
        let a = pointer, b = other.pointer
        for i in 0..<count { a[i] += b[i] }
    }

    /// A new tensor holding self + other (buffers of pending gradients may be shared).
    func summed(_ other: Tensor) -> Tensor {
        let out = copy()
        out.addInPlace(other)
        return out
    }
}
