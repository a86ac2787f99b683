using Microsoft.ML.OnnxRuntime;

namespace Cltool.InferenceHost.Runtime;

/// <summary>
/// The process-wide ONNX Runtime environment, created with a managed logger so that native messages go through
/// <see cref="LogSink"/> instead of raw stderr, and so that a probe can capture the detail behind a failure
/// (ORT's exceptions say "Failed to load shared library"; only its log says which CUDA library is missing).
/// </summary>
public static class OrtRuntime
{
    static readonly Lazy<OrtEnv> LazyEnvironment = new(CreateEnvironment);
    static readonly DOrtLoggingFunction Logger = OnNativeLog; // kept alive: native code holds a pointer to it

    [ThreadStatic] static List<string>? Captured;

    /// <summary>Receives ONNX Runtime's warnings and errors. Defaults to plain lines on stderr.</summary>
    public static Action<OrtLoggingLevel, string> LogSink { get; set; } =
        (level, message) => Console.Error.WriteLine($"onnxruntime {level.ToString().Replace("ORT_LOGGING_LEVEL_", "").ToLowerInvariant()}: {message}");

    public static OrtEnv Environment => LazyEnvironment.Value;

    /// <summary>Collects the native log lines this thread produces until disposed, instead of forwarding them.</summary>
    public static LogCapture Capture() => new();

    public sealed class LogCapture : IDisposable
    {
        readonly List<string>? _outer = Captured;
        readonly List<string> _lines = [];

        internal LogCapture() => Captured = _lines;

        public IReadOnlyList<string> Lines => _lines;

        public void Dispose() => Captured = _outer;
    }

    static OrtEnv CreateEnvironment()
    {
        // Someone created the default environment first (e.g. another library): use it, logging stays native.
        if (OrtEnv.IsCreated) return OrtEnv.Instance();
        var options = new EnvironmentCreationOptions
        {
            logId = "cltool",
            logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            loggingFunction = Logger,
        };
        return OrtEnv.CreateInstanceWithOptions(ref options);
    }

    static void OnNativeLog(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        if (Captured is { } capture) capture.Add(message);
        else LogSink(severity, message);
    }
}
