using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
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

    public override ValidationResult Validate() => Rules.All(
        Rules.Required("--model", Model),
        Rules.FileExists("--model", Model),
        Rules.Positive("--max-batch", MaxBatch),
        Rules.NonNegative("--max-delay-ms", MaxDelayMs),
        Rules.Positive("--queue", QueueCapacity),
        Rules.NonNegative("--threads", Threads));
}

public sealed class ServeCommand() : PendingCommand<ServeSettings>("serve", "issue #6");
