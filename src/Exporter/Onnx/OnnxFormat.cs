namespace Cltool.Exporter.Onnx;

/// <summary>The ONNX versions every cltool export targets (docs/export.md): accepted by Debian 12's onnx checker and ORT 1.31.</summary>
public static class OnnxFormat
{
    public const long IrVersion = 8;
    public const long Opset = 17;
    public const string Producer = "cltool";
    public static readonly string ProducerVersion = typeof(OnnxFormat).Assembly.GetName().Version?.ToString(3) ?? "";
    public const string ContribDomain = "com.microsoft";
}
