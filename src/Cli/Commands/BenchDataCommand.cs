using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Cltool.Trainer.Native;
using Cltool.Trainer.Pretraining;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Cltool.Cli.Commands;

/// <summary>Data pipeline alone vs training step alone, measured one after the other in one run.</summary>
public sealed class BenchDataCommand(IAnsiConsole console) : Command<BenchDataSettings>
{
    public override int Execute(CommandContext context, BenchDataSettings settings, CancellationToken cancellationToken)
    {
        torch.Device device = TorchDevices.Resolve(DeviceKind.Auto, console.WriteLine);
        var results = settings.Data.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(data => ThroughputBenchmark.Run(data, settings.Model, settings.BatchSize, settings.Workers, settings.Batches, device)).ToList();
        var table = new Table().AddColumns("data", "pipeline img/s", "trainer img/s", "ratio");
        foreach (ThroughputResult r in results) table.AddTextRow(r.Data, $"{r.PipelineImagesPerSecond:F0}", $"{r.TrainerImagesPerSecond:F0}", $"{r.Ratio:F1}x");
        console.Write(table);
        string markdown = $"Data pipeline alone vs {settings.Model} training step alone (batch {settings.BatchSize}, {settings.Workers} workers)\n\n" +
                          "| data | pipeline img/s | trainer img/s | ratio |\n|---|---|---|---|\n" +
                          string.Concat(results.Select(r => $"| {r.Data} | {r.PipelineImagesPerSecond:F0} | {r.TrainerImagesPerSecond:F0} | {r.Ratio:F1}x |\n"));
        settings.Save("data", results.Select(r => new { r.Data, r.Model, r.BatchSize, r.Workers, r.PipelineImagesPerSecond, r.TrainerImagesPerSecond, r.Ratio }), markdown);
        return 0;
    }
}
