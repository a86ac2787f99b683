namespace Cltool.Exporter.Onnx;

public sealed record OnnxValueSummary(string Name, string DType, string Shape);
