using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchModelSettings : CommandSettings
{
    [CommandOption("--preset <NAME>")]
    [DefaultValue("vit-base-patch16-224")]
    [Description("The ViT shape.")]
    public string Preset { get; init; } = "vit-base-patch16-224";

    [CommandOption("--classes <N>")]
    [DefaultValue(1000)]
    [Description("Classes of the head.")]
    public int Classes { get; init; } = 1000;

    [CommandOption("--dtype <TYPE>")]
    [DefaultValue("fp32")]
    [Description("fp32 or fp16 weights (input and output stay float32).")]
    public string Dtype { get; init; } = "fp32";

    [CommandOption("-o|--out <FILE>")]
    [Description("The ONNX file to write.")]
    public string? Out { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires(ViTConfig.Presets.ContainsKey(Preset), $"--preset '{Preset}' is not a preset ({string.Join(", ", ViTConfig.Presets.Keys)})."),
        Rules.Positive("--classes", Classes),
        Rules.Requires(Dtype is "fp32" or "fp16", $"--dtype must be fp32 or fp16, got '{Dtype}'."),
        Rules.Required("--out", Out));
}
