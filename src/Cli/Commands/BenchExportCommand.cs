using Cltool.Cli.Benchmarks;
using Cltool.Core.Continual;
using Cltool.Core.Models;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Cltool.Cli.Commands;

/// <summary>Merged vs unmerged ONNX vs TorchSharp eager inference after 1..20 tasks, and the plain base ViT, side by side.</summary>
public sealed class BenchExportCommand(IAnsiConsole console) : Command<BenchExportSettings>
{
    public override int Execute(CommandContext context, BenchExportSettings settings, CancellationToken cancellationToken)
    {
        ModelFile baseModel = ModelFile.Load(BuiltInModels.Resolve(settings.Base ?? BuiltInModels.DefaultBase), withHead: false);
        string work = Directory.CreateTempSubdirectory("cltool-bench-export-").FullName;
        try
        {
            Run(settings, baseModel, work);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        return 0;
    }

    void Run(BenchExportSettings settings, ModelFile baseModel, string work)
    {
        using var benchmark = new ExportBenchmark(baseModel, settings.TaskCounts, work);
        var random = new Random(7);
        double disagreement = benchmark.Disagreement(Enumerable.Range(0, 4 * benchmark.ImageElements).Select(_ => (float)random.NextDouble()).ToArray(), 4);
        var cpu = new CpuMeter();
        IReadOnlyList<InferenceTiming> timings = benchmark.Measure(settings.Rounds, settings.BatchSize, cpu, line => console.MarkupLineInterpolated($"[grey]{line}[/]"));

        string markdown = ExportBenchmarkReport.Markdown(baseModel.Config, timings, disagreement, benchmark.MergedIsPlainViT, torch.get_num_threads(), cpu);
        console.Write(new Markup(Markup.Escape(markdown)));
        Directory.CreateDirectory(settings.Out);
        ExportBenchmarkReport.Plot(timings, Path.Combine(settings.Out, "export.png"));
        settings.Save("export", new { timings, cpuShare = cpu.Share, othersShare = cpu.OthersShare }, markdown);
    }
}
