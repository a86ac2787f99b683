using System.ComponentModel;
using Cltool.Cli.Benchmarks;
using Cltool.Cli.Infrastructure;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Exporter;
using Google.Protobuf;
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

/// <summary>A model of a preset's shape with generated weights, exported as `cltool export` exports: what GPU and load benchmarks serve.</summary>
public sealed class BenchModelCommand(IAnsiConsole console) : Command<BenchModelSettings>
{
    public override int Execute(CommandContext context, BenchModelSettings settings, CancellationToken cancellationToken)
    {
        ViTConfig config = ViTConfig.Preset(settings.Preset);
        var options = new ExportOptions(Precision: settings.Dtype == "fp16" ? WeightPrecision.Fp16 : WeightPrecision.Fp32);
        var graph = ModelExport.Graph(ExportBenchmark.SyntheticStage(GeneratedViT.Base(config), 0, 10, settings.Classes), "generated", options);
        AtomicFile.WriteAllBytes(settings.Out!, graph.ToByteArray());
        console.MarkupLineInterpolated($"wrote {settings.Out} ({config.Describe()}, {settings.Classes} classes, {settings.Dtype}, generated weights, {new FileInfo(settings.Out!).Length / 1e6:F0} MB)");
        return 0;
    }
}
