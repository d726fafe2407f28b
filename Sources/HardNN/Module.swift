import HardEngine

/// Errors of loading parameters by name.
public enum ModuleError: Error, CustomStringConvertible, Equatable {
    case missingKeys([String])
    case unexpectedKeys([String])
    case shapeMismatch(key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missingKeys(let k): return "missing parameters: \(k.joined(separator: ", "))"
        case .unexpectedKeys(let k): return "unexpected parameters: \(k.joined(separator: ", "))"
        case .shapeMismatch(let key, let e, let f): return "\(key): expected shape \(e), found \(f)"
        }
    }
}

/// A network building block with a named tree of parameters, buffers and children.
///
/// Stored properties are discovered by reflection (as in mlx-swift): a `Tensor` that
/// requires a gradient is a parameter, any other `Tensor` a buffer (BatchNorm's running
/// statistics), a `Module` or `[Module]` a child. Names follow PyTorch: the property name,
/// with list items numbered, joined by dots (`encoder.stages.0.conv.weight`). These keys
/// are what checkpoints and exporters use.
open class Module {
    /// True in training mode (batch statistics, auxiliary heads), false in evaluation.
    public private(set) var isTraining = true

    public init() {}

    /// The module's output for an input; layers with one input and one output override it.
    open func forward(_ x: Tensor) -> Tensor {
        preconditionFailure("\(type(of: self)) does not implement forward(_:)")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard Complexity.isTracing else { return forward(x) }
        Complexity.enter(self)
        defer { Complexity.leave() }
        return forward(x)
    }

    /// This module and every descendant, with their keys ("" for this one).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var out: [(String, Module)] = [(prefix, self)]
        for (name, child) in namedChildren() {
            out += child.namedModules(prefix: prefix.isEmpty ? name : prefix + "." + name)
        }
        return out
    }

    /// Switches this module and all its children to training (`true`) or evaluation mode.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, child) in namedChildren() { child.train(on) }
    }

    /// Evaluation mode: running statistics, no auxiliary heads.
    public func eval() { train(false) }

    /// Direct children with their names, in declaration order.
    public func namedChildren() -> [(String, Module)] {
        var out: [(String, Module)] = []
        for (label, value) in Mirror(reflecting: self).allChildren {
            let name = Self.cleanName(label)
            // `as? Module` also unwraps a non-nil `Module?`.
            if let m = value as? Module { out.append((name, m)) }
            if let ms = value as? [Module] { for (i, m) in ms.enumerated() { out.append(("\(name).\(i)", m)) } }
        }
        return out
    }

    /// Tensors held directly by this module (not by children), with their names.
    func ownTensors() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        for (label, value) in Mirror(reflecting: self).allChildren {
            let name = Self.cleanName(label)
            // `as? Tensor` also unwraps a non-nil `Tensor?` (an optional bias).
            if let t = value as? Tensor { out.append((name, t)) }
        }
        return out
    }

    /// Every parameter (tensors that require a gradient) in the tree, with its full key.
    public func namedParameters() -> [(String, Tensor)] { walk { $0.requiresGrad } }

    /// Every buffer (tensors that do not require a gradient) in the tree, with its full key.
    public func namedBuffers() -> [(String, Tensor)] { walk { !$0.requiresGrad } }

    /// Parameters and buffers: everything a checkpoint holds.
    public func stateDict() -> [(String, Tensor)] { walk { _ in true } }

    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    private func walk(_ keep: (Tensor) -> Bool, prefix: String = "") -> [(String, Tensor)] {
        var out = ownTensors().filter { keep($0.1) }.map { (prefix + $0.0, $0.1) }
        for (name, child) in namedChildren() { out += child.walk(keep, prefix: prefix + name + ".") }
        return out
    }

    /// Copies values into parameters and buffers by key. With `strict`, every key of the
    /// module must be present and no other key may be; shapes must always match.
    public func load(_ state: [String: Tensor], strict: Bool = true) throws {
        let mine = stateDict()
        let keys = Set(mine.map(\.0))
        if strict {
            let missing = mine.map(\.0).filter { state[$0] == nil }
            if !missing.isEmpty { throw ModuleError.missingKeys(missing) }
            let unexpected = state.keys.filter { !keys.contains($0) }.sorted()
            if !unexpected.isEmpty { throw ModuleError.unexpectedKeys(unexpected) }
        }
        for (key, tensor) in mine {
            guard let value = state[key] else { continue }
            guard value.shape == tensor.shape else { throw ModuleError.shapeMismatch(key: key, expected: tensor.shape, found: value.shape) }
        }
        for (key, tensor) in mine { if let value = state[key] { tensor.assign(value) } }
    }

    /// Clears the gradients of every parameter.
    public func zeroGrad() { parameters().forEach { $0.zeroGrad() } }

    static func cleanName(_ label: String) -> String {
        label.hasPrefix("_") ? String(label.dropFirst()) : label
    }
}

extension Mirror {
    /// Children of this type and of its superclasses (subclass properties last, as declared).
    var allChildren: [(String, Any)] {
        var result: [(String, Any)] = []
        if let s = superclassMirror { result = s.allChildren }
        for c in children { if let label = c.label { result.append((label, c.value)) } }
        return result
    }
}
