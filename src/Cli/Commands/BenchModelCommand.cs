using Cltool.Cli.Benchmarks;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Exporter;
using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

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
