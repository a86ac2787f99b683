using Cltool.Core;
using Cltool.Core.Errors;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.InferenceHost.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// One loaded model: a cached InferenceSession on the chosen execution provider (CUDA, or the CPU with a logged
/// reason), its serving metadata and input shape, warmed up before it takes requests. Run is thread-safe.
/// </summary>
public sealed class ModelSession : IDisposable
{

    readonly InferenceSession _session;
    readonly RunOptions _runOptions = new();

    ModelSession(string path, InferenceSession session, string provider)
    {
        (Path, _session, ExecutionProvider) = (path, session, provider);
        if (!session.InputMetadata.TryGetValue(ModelSignature.Input, out NodeMetadata? input) || !session.OutputMetadata.ContainsKey(ModelSignature.Output))
            throw new CltoolException($"'{path}' is not a cltool model: it needs input '{ModelSignature.Input}' and output '{ModelSignature.Output}'.");
        int[] dims = input.Dimensions;
        if (dims.Length != 4 || dims[1] <= 0 || dims[2] <= 0 || dims[3] <= 0)
            throw new CltoolException($"'{path}' input '{ModelSignature.Input}' has shape [{string.Join(", ", dims)}]; expected [batch, channels, height, width].");
        (Channels, Height, Width) = (dims[1], dims[2], dims[3]);
        Properties = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap);
        Metadata = ServingMetadata.FromProperties(Properties, $"'{path}'");
        Sha256 = FileHash.Sha256(path);
    }

    public string Path { get; }
    public string Sha256 { get; }
    public string ExecutionProvider { get; }
    public ServingMetadata Metadata { get; }
    /// <summary>The file's metadata_props: the serving metadata and what the exporter traced (method, tasks, producer).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int ImageElements => Channels * Height * Width;
    public int Classes => Metadata.Labels.Length;

    /// <summary>Opens the model on <paramref name="device"/>; with Auto, a CUDA failure falls back to the CPU and
    /// <paramref name="log"/> gets one line saying why. With Cuda it fails naming <paramref name="cudaRequiredBy"/>.</summary>
    public static ModelSession Open(string path, DeviceKind device, int threads, Action<string> log, string cudaRequiredBy = "--device cuda")
    {
        _ = OrtRuntime.Environment;
        if (device != DeviceKind.Cpu)
        {
            using OrtRuntime.LogCapture capture = OrtRuntime.Capture();
            try
            {
                return Warm(new ModelSession(path, CreateSession(path, threads, cuda: true), OrtEnvironment.CudaProvider));
            }
            catch (OnnxRuntimeException error)
            {
                // ORT's exception says "Failed to load shared library"; its log says which CUDA library is missing.
                string reason = OrtEnvironment.Explain(error.Message, capture.Lines);
                if (device == DeviceKind.Cuda) throw new CltoolException($"{cudaRequiredBy}: CUDA is not usable: {reason}");
                log($"CUDA is not usable ({reason}); running on the CPU");
            }
        }
        try
        {
            return Warm(new ModelSession(path, CreateSession(path, threads, cuda: false), OrtEnvironment.CpuProvider));
        }
        catch (OnnxRuntimeException error)
        {
            throw new CltoolException($"'{path}' is not a model ONNX Runtime can load: {error.Message.Split('\n')[0]}");
        }
    }

    static InferenceSession CreateSession(string path, int threads, bool cuda)
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        if (cuda) options.AppendExecutionProvider_CUDA(0);
        return new InferenceSession(path, options);
    }

    /// <summary>One batch-1 run: the first run allocates and (on CUDA) initialises kernels; users should not pay for it.</summary>
    static ModelSession Warm(ModelSession session)
    {
        try
        {
            session.Run(new float[session.ImageElements], 1);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Logits [count, classes] for <paramref name="pixels"/> [count, C, H, W] (row-major).</summary>
    public float[] Run(float[] pixels, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);   // ONNX Runtime would crash the process, not throw
        var input = new Memory<float>(pixels, 0, count * ImageElements);
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [count, Channels, Height, Width]);
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [ModelSignature.Input], [value], [ModelSignature.Output]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    bool _disposed;

    public void Dispose()
    {
        _disposed = true;
        _runOptions.Dispose();
        _session.Dispose();
    }
}
