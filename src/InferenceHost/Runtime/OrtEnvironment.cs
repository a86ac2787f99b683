using Microsoft.ML.OnnxRuntime;

namespace Cltool.InferenceHost.Runtime;

/// <summary>Loads ONNX Runtime and checks which execution providers can really be used, without ever throwing.</summary>
public static class OrtEnvironment
{
    public const string CpuProvider = "CPUExecutionProvider";
    public const string CudaProvider = "CUDAExecutionProvider";

    public static OrtReport Probe()
    {
        try
        {
            OrtEnv environment = OrtRuntime.Environment;
            string version = environment.GetVersionString();
            string[] providers = environment.GetAvailableProviders();
            (bool cudaUsable, string reason) = ProbeCuda(providers);
            return new OrtReport(true, version, providers, cudaUsable, reason, null);
        }
        catch (Exception error) when (error is DllNotFoundException or TypeInitializationException or OnnxRuntimeException
                                          or EntryPointNotFoundException or BadImageFormatException)
        {
            return new OrtReport(false, null, [], false, "ONNX Runtime did not load", error.Message);
        }
    }

    /// <summary>
    /// A provider listed as available is only compiled in; whether it works depends on the CUDA libraries and the
    /// driver. Appending it loads libonnxruntime_providers_cuda.so and its CUDA dependencies, which is where it fails.
    /// </summary>
    public static (bool Usable, string Reason) ProbeCuda(IReadOnlyCollection<string> providers)
    {
        if (!providers.Contains(CudaProvider)) return (false, "this ONNX Runtime build has no CUDA execution provider");
        using OrtRuntime.LogCapture capture = OrtRuntime.Capture();
        try
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
            options.AppendExecutionProvider_CUDA(0);
            return (true, "CUDA execution provider loaded (the device itself is checked when a session is created)");
        }
        catch (OnnxRuntimeException error)
        {
            return (false, Explain(error.Message, capture.Lines));
        }
    }

    /// <summary>The most specific reason available: ORT's log names the missing library, its exception does not.</summary>
    public static string Explain(string exceptionMessage, IReadOnlyList<string> log)
    {
        const string marker = "Failed to load library ";
        string? detail = log.LastOrDefault(line => line.Contains(marker, StringComparison.Ordinal));
        if (detail is null) return FirstLine(exceptionMessage);
        string text = detail[detail.IndexOf(marker, StringComparison.Ordinal)..];
        // "Failed to load library /long/path/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: ..."
        int path = marker.Length, end = text.IndexOf(' ', path);
        if (end > path) text = marker + Path.GetFileName(text[path..end]) + text[end..];
        return FirstLine(text);
    }

    static string FirstLine(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? text;
        return line.Length <= 300 ? line : line[..300] + "...";
    }
}
