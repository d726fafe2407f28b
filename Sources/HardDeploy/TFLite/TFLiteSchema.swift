// The parts of TFLite's schema (tensorflow/compiler/mlir/lite/schema/schema.fbs, version 3)
// the exporter writes: vtable slots of the tables (the schema's field order, deprecated
// fields keep their slot), enum values and union member indices. Only facts of the schema
// are here; `TFLiteExporter` builds the model from them.

enum TFLiteSchema {
    static let fileIdentifier = "TFL3"
    static let version: UInt32 = 3

    /// TensorType.
    enum TensorType: Int8 {
        case float32 = 0, int32 = 2, uint8 = 3, int64 = 4, int8 = 9
    }

    /// BuiltinOperator.
    enum Operator: Int32 {
        case add = 0, averagePool2D = 1, concatenation = 2, conv2D = 3, depthwiseConv2D = 4
        case maxPool2D = 17, resizeBilinear = 23, pad = 34, gather = 36, cast = 53, argMax = 56, padV2 = 60
    }

    /// BuiltinOptions union member (the type byte of Operator.builtin_options).
    enum Options: UInt8 {
        case conv2D = 1, depthwiseConv2D = 2, pool2D = 5, concatenation = 10, add = 11, resizeBilinear = 15
        case pad = 22, gather = 23, cast = 37, argMax = 40, padV2 = 50
    }

    /// Padding.
    enum Padding: UInt8 { case same = 0, valid = 1 }

    /// ActivationFunctionType.
    enum Activation: UInt8 { case none = 0, relu = 1, relu6 = 3 }

    // Vtable slots.
    enum Model { static let version = 0, operatorCodes = 1, subgraphs = 2, description = 3, buffers = 4 }
    enum OperatorCode { static let deprecatedBuiltinCode = 0, customCode = 1, version = 2, builtinCode = 3 }
    enum SubGraph { static let tensors = 0, inputs = 1, outputs = 2, operators = 3, name = 4 }
    enum Tensor { static let shape = 0, type = 1, buffer = 2, name = 3, quantization = 4 }
    enum Quantization { static let min = 0, max = 1, scale = 2, zeroPoint = 3, quantizedDimension = 6 }
    enum Buffer { static let data = 0 }
    enum OperatorTable {
        static let opcodeIndex = 0, inputs = 1, outputs = 2, builtinOptionsType = 3, builtinOptions = 4
    }
    enum Conv2DOptions {
        static let padding = 0, strideW = 1, strideH = 2, activation = 3, dilationW = 4, dilationH = 5
    }
    enum DepthwiseConv2DOptions {
        static let padding = 0, strideW = 1, strideH = 2, depthMultiplier = 3, activation = 4, dilationW = 5, dilationH = 6
    }
    enum Pool2DOptions {
        static let padding = 0, strideW = 1, strideH = 2, filterWidth = 3, filterHeight = 4, activation = 5
    }
    enum ConcatenationOptions { static let axis = 0, activation = 1 }
    enum AddOptions { static let activation = 0 }
    enum ResizeBilinearOptions { static let alignCorners = 2, halfPixelCenters = 3 }
    enum ArgMaxOptions { static let outputType = 0 }
    enum GatherOptions { static let axis = 0 }
    enum CastOptions { static let inDataType = 0, outDataType = 1 }
}
