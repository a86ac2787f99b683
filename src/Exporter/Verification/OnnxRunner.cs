using Cltool.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace Cltool.Exporter.Verification;

/// <summary>An exported model in ONNX Runtime on the CPU (deterministic, so parity figures are reproducible): pixels in, logits out.</summary>
public sealed class OnnxRunner : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _runOptions = new();
    readonly long[] _imageShape;

    public OnnxRunner(string modelPath, int? threads = null)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads is { } count) options.IntraOpNumThreads = count;
        _session = new InferenceSession(modelPath, options);
        _imageShape = _session.InputMetadata[ModelSignature.Input].Dimensions.Skip(1).Select(d => (long)d).ToArray();
        Classes = _session.OutputMetadata[ModelSignature.Output].Dimensions[1];
    }

    public int Classes { get; }
    public int ImageElements => (int)_imageShape.Aggregate(1L, (a, b) => a * b);
    public IReadOnlyDictionary<string, string> Metadata => _session.ModelMetadata.CustomMetadataMap;

    /// <summary>Logits [count, classes] of <paramref name="pixels"/> [count, C, H, W], row-major.</summary>
    public float[] Logits(float[] pixels, int count)
    {
        var input = new Memory<float>(pixels, 0, count * ImageElements);
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [count, .. _imageShape]);
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [ModelSignature.Input], [value], [ModelSignature.Output]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
