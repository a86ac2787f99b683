using System.ComponentModel;
using Cltool.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.InferenceHost.CommandLine;

/// <summary>
/// The serve options of `cltool serve` and of the standalone `cltool-host`, one definition for both command lines (their
/// help is the same text); every default is <see cref="ServeOptions"/>'s.
/// </summary>
public sealed class ServeSettings : CommandSettings
{
    [CommandOption("-m|--model <FILE>")]
    [Description("The exported model.onnx, served as version 1 (or use --model-repository).")]
    public string? Model { get; init; }

    [CommandOption("--model-repository <DIR>")]
    [Description("Serve every model of a Triton-layout repository (DIR/NAME/config.pbtxt, DIR/NAME/VERSION/model.onnx), as `cltool export --triton` writes it.")]
    public string? ModelRepository { get; init; }

    [CommandOption("--model-control-mode <MODE>")]
    [Description("With a repository: none (load all at start), poll (also re-read it every poll interval: new versions go live), explicit (load/unload on request).")]
    [DefaultValue(ModelControlMode.None)]
    public ModelControlMode ControlMode { get; init; } = ModelControlMode.None;

    [CommandOption("--repository-poll-secs <S>")]
    [Description("Poll interval of --model-control-mode poll.")]
    [DefaultValue(ServeOptions.DefaultPollSeconds)]
    public int PollSeconds { get; init; } = ServeOptions.DefaultPollSeconds;

    [CommandOption("--load-model <NAME>")]
    [Description("With --model-control-mode explicit: a model to load at start (repeatable; * loads all).")]
    public string[] LoadModels { get; init; } = [];

    [CommandOption("--urls <URLS>")]
    [Description("Addresses to listen on; loopback only by default.")]
    [DefaultValue(ServeOptions.DefaultUrls)]
    public string Urls { get; init; } = ServeOptions.DefaultUrls;

    [CommandOption("--grpc-urls <URLS>")]
    [Description("Addresses for KServe v2 / Triton gRPC (cleartext HTTP/2); none turns gRPC off.")]
    [DefaultValue(ServeOptions.DefaultGrpcUrls)]
    public string GrpcUrls { get; init; } = ServeOptions.DefaultGrpcUrls;

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA, else CPU with a logged reason), cpu, or cuda (fail when CUDA is unusable).")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    [CommandOption("--max-batch <N>")]
    [Description("Largest batch the dynamic batcher forms, where a model's config.pbtxt sets no max_batch_size.")]
    [DefaultValue(ServeOptions.DefaultMaxBatch)]
    public int MaxBatch { get; init; } = ServeOptions.DefaultMaxBatch;

    [CommandOption("--max-delay-ms <MS>")]
    [Description("How long a request may wait for others to fill its batch, where a model's config.pbtxt has no dynamic_batching.")]
    [DefaultValue(ServeOptions.DefaultMaxDelayMs)]
    public int MaxDelayMs { get; init; } = ServeOptions.DefaultMaxDelayMs;

    [CommandOption("--queue <N>")]
    [Description("Requests that may wait; beyond it the host answers 503 with Retry-After.")]
    [DefaultValue(ServeOptions.DefaultQueueCapacity)]
    public int QueueCapacity { get; init; } = ServeOptions.DefaultQueueCapacity;

    [CommandOption("--threads <N>")]
    [Description("ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--api-key <KEY>")]
    [Description("Require this key on every endpoint except health (or set CLTOOL_API_KEY).")]
    public string? ApiKey { get; init; }

    [CommandOption("--name <NAME>")]
    [Description("The model's name in URLs (/v2/models/NAME); default: the file name without extension.")]
    public string? Name { get; init; }

    [CommandOption("--max-body-bytes <N>")]
    [Description("Largest request body; larger ones get 413.")]
    [DefaultValue(ServeOptions.DefaultMaxBodyBytes)]
    public long MaxBodyBytes { get; init; } = ServeOptions.DefaultMaxBodyBytes;

    [CommandOption("--max-image-pixels <N>")]
    [Description("Largest decoded upload (width x height); checked before decoding, so decompression bombs get 413.")]
    [DefaultValue(ServeOptions.DefaultMaxImagePixels)]
    public long MaxImagePixels { get; init; } = ServeOptions.DefaultMaxImagePixels;

    [CommandOption("--timeout-ms <MS>")]
    [Description("A request not answered within this time gets 504.")]
    [DefaultValue(ServeOptions.DefaultRequestTimeoutMs)]
    public int TimeoutMs { get; init; } = ServeOptions.DefaultRequestTimeoutMs;

    [CommandOption("--tls-cert <FILE>")]
    [Description("PEM certificate: REST and gRPC listen with TLS (https://), with --tls-key.")]
    public string? TlsCert { get; init; }

    [CommandOption("--tls-key <FILE>")]
    [Description("PEM private key of --tls-cert.")]
    public string? TlsKey { get; init; }

    [CommandOption("--tls-client-ca <FILE>")]
    [Description("PEM CA certificates: clients must present a certificate they issued (mutual TLS).")]
    public string? TlsClientCa { get; init; }

    [CommandOption("--watch")]
    [Description("Reload the model without downtime when its file changes (also: POST /v2/repository/models/NAME/load).")]
    public bool Watch { get; init; }

    [CommandOption("--no-ui")]
    [Description("Serve no web page at / (the page lists the models and classifies a dropped image).")]
    public bool NoUi { get; init; }

    public ServeOptions ToOptions() => new()
    {
        ModelPath = Model ?? "",
        ModelName = Name,
        RepositoryPath = ModelRepository,
        ControlMode = ControlMode,
        PollSeconds = PollSeconds,
        LoadModels = LoadModels,
        Urls = Urls,
        GrpcUrls = GrpcUrls,
        Device = Device,
        MaxBatch = MaxBatch,
        MaxDelayMs = MaxDelayMs,
        QueueCapacity = QueueCapacity,
        Threads = Threads,
        ApiKey = ApiKey,
        MaxBodyBytes = MaxBodyBytes,
        MaxImagePixels = MaxImagePixels,
        RequestTimeoutMs = TimeoutMs,
        Watch = Watch,
        Ui = !NoUi,
        TlsCertificate = TlsCert,
        TlsKey = TlsKey,
        TlsClientCa = TlsClientCa,
    };

    public override ValidationResult Validate() =>
        ToOptions().Problem() is { } problem ? ValidationResult.Error(problem) : ValidationResult.Success();
}
