using Cltool.Core;

namespace Cltool.InferenceHost;

/// <summary>Everything the host can be told; `cltool serve` and the standalone `cltool-host` both build one.</summary>
public sealed record ServeOptions
{
    /// <summary>One model file, served as version 1 of <see cref="Name"/>; or else <see cref="RepositoryPath"/>.</summary>
    public string ModelPath { get; init; } = "";
    /// <summary>The model's name in URLs (/v2/models/NAME); default the file name without extension.</summary>
    public string? ModelName { get; init; }
    /// <summary>A model repository in Triton's layout (DIR/NAME/config.pbtxt, DIR/NAME/V/model.onnx).</summary>
    public string? RepositoryPath { get; init; }
    public ModelControlMode ControlMode { get; init; } = ModelControlMode.None;
    public int PollSeconds { get; init; } = DefaultPollSeconds;
    /// <summary>With explicit control: the models to load at start ("*": all).</summary>
    public IReadOnlyList<string> LoadModels { get; init; } = [];
    public string Urls { get; init; } = DefaultUrls;
    /// <summary>Where gRPC (HTTP/2 without TLS) listens; <see cref="NoGrpc"/> turns it off.</summary>
    public string GrpcUrls { get; init; } = DefaultGrpcUrls;

    public const string NoGrpc = "none";

    /// <summary>The gRPC addresses to bind: none when gRPC is off.</summary>
    public string GrpcListenUrls => GrpcUrls == NoGrpc ? "" : GrpcUrls;
    public DeviceKind Device { get; init; } = DeviceKind.Auto;
    public int MaxBatch { get; init; } = DefaultMaxBatch;
    public int MaxDelayMs { get; init; } = DefaultMaxDelayMs;
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;
    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.</summary>
    public int Threads { get; init; }
    /// <summary>Required on every endpoint except health, as <c>Authorization: Bearer KEY</c> or <c>X-API-Key</c>.</summary>
    public string? ApiKey { get; init; }
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;
    /// <summary>Largest decoded image (width × height) the classify endpoint accepts: decompression bombs stop here.</summary>
    public long MaxImagePixels { get; init; } = DefaultMaxImagePixels;
    public int RequestTimeoutMs { get; init; } = DefaultRequestTimeoutMs;
    /// <summary>PEM server certificate and its private key: REST and gRPC then listen with TLS only.</summary>
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }
    /// <summary>PEM CA certificates: with TLS on, every client must present a certificate they issued (mutual TLS).</summary>
    public string? TlsClientCa { get; init; }
    /// <summary>Reload the model when its file changes.</summary>
    public bool Watch { get; init; }
    /// <summary>The web page at <c>/</c> (the models, and an image drop that classifies).</summary>
    public bool Ui { get; init; } = true;

    public const string ApiKeyVariable = "CLTOOL_API_KEY";
    // Constants because the command line's help shows them as attribute values.
    public const string DefaultUrls = "http://127.0.0.1:8000", DefaultGrpcUrls = "http://127.0.0.1:8001";
    public const int DefaultPollSeconds = 15;
    public const int DefaultMaxBatch = 32, DefaultMaxDelayMs = 2, DefaultQueueCapacity = 256, DefaultRequestTimeoutMs = 30_000;
    public const long DefaultMaxBodyBytes = 32L * 1024 * 1024, DefaultMaxImagePixels = 40_000_000;

    public string Name => ModelName ?? Path.GetFileNameWithoutExtension(ModelPath);

    /// <summary>The first problem, naming the option and what was expected; null when the options are usable.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(ModelPath) == string.IsNullOrWhiteSpace(RepositoryPath) ? "give either --model FILE or --model-repository DIR." :
        RepositoryPath is null && !File.Exists(ModelPath) ? $"--model: file '{ModelPath}' does not exist." :
        RepositoryPath is not null && !Directory.Exists(RepositoryPath) ? $"--model-repository: folder '{RepositoryPath}' does not exist." :
        RepositoryPath is not null && (Watch || ModelName is not null) ? "--watch and --name go with --model; a repository names its models by folder and is polled with --model-control-mode poll." :
        RepositoryPath is null && ControlMode != ModelControlMode.None ? "--model-control-mode goes with --model-repository (--model FILE reloads with --watch or the load endpoint)." :
        LoadModels.Count > 0 && ControlMode != ModelControlMode.Explicit ? "--load-model goes with --model-control-mode explicit (the other modes load every model)." :
        (TlsCertificate is null) != (TlsKey is null) ? "--tls-cert and --tls-key go together (a PEM certificate and its private key)." :
        TlsClientCa is not null && TlsCertificate is null ? "--tls-client-ca needs --tls-cert and --tls-key (mutual TLS runs on the host's own TLS)." :
        AddressProblem() is { } address ? address :
        PollSeconds <= 0 ? $"--repository-poll-secs must be a positive integer, got {PollSeconds}." :
        MaxBatch <= 0 ? $"--max-batch must be a positive integer, got {MaxBatch}." :
        MaxDelayMs < 0 ? $"--max-delay-ms must be zero or more, got {MaxDelayMs}." :
        QueueCapacity <= 0 ? $"--queue must be a positive integer, got {QueueCapacity}." :
        Threads < 0 ? $"--threads must be zero or more, got {Threads}." :
        MaxBodyBytes <= 0 ? $"--max-body-bytes must be positive, got {MaxBodyBytes}." :
        MaxImagePixels <= 0 ? $"--max-image-pixels must be positive, got {MaxImagePixels}." :
        RequestTimeoutMs <= 0 ? $"--timeout-ms must be positive, got {RequestTimeoutMs}." :
        RepositoryPath is null && (Name.Length == 0 || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) ? $"--name must be letters, digits, '-', '_' or '.', got '{Name}'." :
        null;

    string? AddressProblem() =>
        KestrelAddresses.Problem("--urls", Urls, TlsCertificate is not null) ?? KestrelAddresses.Problem("--grpc-urls", GrpcListenUrls, TlsCertificate is not null);

    /// <summary>The API key from the option, else from <see cref="ApiKeyVariable"/>.</summary>
    public ServeOptions WithEnvironmentApiKey() => this with { ApiKey = ApiKeyOrEnvironment(ApiKey) };

    /// <summary><paramref name="option"/> when given, else a non-empty <see cref="ApiKeyVariable"/>, else none.</summary>
    public static string? ApiKeyOrEnvironment(string? option) =>
        option ?? (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key ? key : null);
}
