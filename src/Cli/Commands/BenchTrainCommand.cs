using Cltool.Cli.Benchmarks;
using Cltool.Core;
using Cltool.Core.Models;
using Cltool.Trainer.Native;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Cltool.Cli.Commands;

/// <summary>Training-step throughput, the cost of directions and FLOP utilisation against a matmul measured in the same rounds.</summary>
public sealed class BenchTrainCommand(IAnsiConsole console) : Command<BenchTrainSettings>
{
    public override int Execute(CommandContext context, BenchTrainSettings settings, CancellationToken cancellationToken)
    {
        torch.Device device = TorchDevices.Resolve(DeviceKind.Auto, console.WriteLine);
        ViTConfig config = ViTConfig.Preset(settings.Model);
        var cpu = new CpuMeter();
        TrainBenchmarkResult result = TrainBenchmark.Run(config, settings.BatchSize, settings.Steps, settings.Rounds, device, cpu,
            line => console.MarkupLineInterpolated($"[grey]{line}[/]"));
        string markdown = TrainBenchmark.Markdown(result, settings.Model, config, torch.get_num_threads(), cpu.Verdict);
        console.Write(new Markup(Markup.Escape(markdown)));
        settings.Save("train", result, markdown);
        return 0;
    }
}
