using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class ClassifySettings : CommandSettings
{
    [CommandArgument(0, "[IMAGE]")]
    [Description("An image file (PNG, JPEG, WebP, BMP); or use --data and --index.")]
    public string? Image { get; init; }

    [CommandOption("--url <URL>")]
    [Description("The inference host.")]
    [DefaultValue("http://127.0.0.1:8000")]
    public string Url { get; init; } = "http://127.0.0.1:8000";

    [CommandOption("--model <NAME>")]
    [Description("The model's name on the host.")]
    [DefaultValue("model")]
    public string Model { get; init; } = "model";

    [CommandOption("--data <NAME>")]
    [Description("Send a test image of this dataset instead of a file.")]
    public string? Data { get; init; }

    [CommandOption("--index <N>")]
    [Description("Which test image of --data.")]
    [DefaultValue(0)]
    public int Index { get; init; }

    [CommandOption("--top-k <K>")]
    [DefaultValue(3)]
    public int TopK { get; init; } = 3;

    [CommandOption("--api-key <KEY>")]
    [Description("The host's API key, if it requires one (or CLTOOL_API_KEY).")]
    public string? ApiKey { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires((Image is null) != (Data is null), "give either IMAGE or --data (with --index), not both or neither."),
        Rules.FileExists("IMAGE", Image),
        Rules.NonNegative("--index", Index),
        Rules.Positive("--top-k", TopK),
        Rules.Requires(Uri.TryCreate(Url, UriKind.Absolute, out _), $"--url must be an absolute URL, got '{Url}'."));
}
