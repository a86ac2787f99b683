using System.ComponentModel;
using Cltool.Core;
using Cltool.InferenceHost;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class ServeSettings : CommandSettings
{
    [CommandOption("-m|--model <FILE>")]
    [Description("The exported model.onnx.")]
    public string? Model { get; init; }

    [CommandOption("--urls <URLS>")]
    [Description("Addresses to listen on; loopback only by default.")]
    [DefaultValue("http://127.0.0.1:8000")]
    public string Urls { get; init; } = "http://127.0.0.1:8000";

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA, else CPU with a logged reason), cpu, or cuda (fail when CUDA is unusable).")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    [CommandOption("--max-batch <N>")]
    [Description("Largest batch the dynamic batcher forms.")]
    [DefaultValue(32)]
    public int MaxBatch { get; init; } = 32;

    [CommandOption("--max-delay-ms <MS>")]
    [Description("How long a request may wait for others to fill its batch.")]
    [DefaultValue(2)]
    public int MaxDelayMs { get; init; } = 2;

    [CommandOption("--queue <N>")]
    [Description("Requests that may wait; beyond it the host answers 503 with Retry-After.")]
    [DefaultValue(256)]
    public int QueueCapacity { get; init; } = 256;

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
    [DefaultValue(33554432L)]
    public long MaxBodyBytes { get; init; } = 32L * 1024 * 1024;

    [CommandOption("--max-image-pixels <N>")]
    [Description("Largest decoded upload (width x height); checked before decoding, so decompression bombs get 413.")]
    [DefaultValue(40000000L)]
    public long MaxImagePixels { get; init; } = 40_000_000;

    [CommandOption("--timeout-ms <MS>")]
    [Description("A request not answered within this time gets 504.")]
    [DefaultValue(30000)]
    public int TimeoutMs { get; init; } = 30_000;

    [CommandOption("--watch")]
    [Description("Reload the model without downtime when its file changes (also: POST /v2/repository/models/NAME/load).")]
    public bool Watch { get; init; }

    public ServeOptions ToOptions() => new()
    {
        ModelPath = Model ?? "", ModelName = Name, Urls = Urls, Device = Device, MaxBatch = MaxBatch, MaxDelayMs = MaxDelayMs,
        QueueCapacity = QueueCapacity, Threads = Threads, ApiKey = ApiKey, MaxBodyBytes = MaxBodyBytes, MaxImagePixels = MaxImagePixels,
        RequestTimeoutMs = TimeoutMs, Watch = Watch,
    };

    public override ValidationResult Validate() =>
        ToOptions().Problem() is { } problem ? ValidationResult.Error(problem) : ValidationResult.Success();
}

public sealed class ServeCommand(IAnsiConsole console) : AsyncCommand<ServeSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellationToken) =>
        InferenceServer.RunAsync(settings.ToOptions(), line => console.MarkupLineInterpolated($"{line}"));
}
