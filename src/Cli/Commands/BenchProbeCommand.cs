using Cltool.Cli.Benchmarks;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Cltool.Core.Models;
using Cltool.Trainer.Native;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Cltool.Cli.Commands;

/// <summary>
/// Is the base worth having? Its frozen class token against a random ViT of the same shape and against raw pixels,
/// each through the same logistic-regression budget and the same nearest-class-mean (prototype) classifier.
/// </summary>
public sealed class BenchProbeCommand(IAnsiConsole console) : Command<BenchProbeSettings>
{
    public override int Execute(CommandContext context, BenchProbeSettings settings, CancellationToken cancellationToken)
    {
        torch.Device device = TorchDevices.Resolve(DeviceKind.Auto, console.WriteLine);
        IReadOnlyList<ProbeResult> results = TransferBenchmark.Run(settings.Model, settings.Data.Split(',', StringSplitOptions.TrimEntries),
            settings.TrainImages, settings.TestImages, settings.Seed, device, console.WriteLine);

        var table = new Table().AddColumns("dataset", "representation", "linear probe (test)", "prototypes (test)");
        foreach (ProbeResult r in results) table.AddTextRow(r.Dataset, r.Representation, $"{r.LinearTestAccuracy:P2}", $"{r.PrototypeTestAccuracy:P2}");
        console.Write(table);
        foreach (string line in TransferBenchmark.Verdicts(results)) console.WriteLine(line);

        Directory.CreateDirectory(settings.Out);
        settings.Save("probe", results, TransferBenchmark.Markdown(settings.Model, settings.Seed, results));
        TransferBenchmark.Plot(results, Path.Combine(settings.Out, "probe.png"));
        if (settings.Record)
        {
            string cardPath = ModelCard.PathFor(settings.Model);
            (ModelCard.Load(cardPath) with { Transfer = results }).Save(cardPath);
            console.WriteLine($"recorded in {cardPath}");
        }
        return 0;
    }
}
