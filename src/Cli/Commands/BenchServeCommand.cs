using Cltool.Cli.Benchmarks;
using Cltool.Core;
using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.InferenceHost;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

/// <summary>HTTP load on the real host over loopback: batching on vs off at several concurrencies.</summary>
public sealed class BenchServeCommand(IAnsiConsole console) : AsyncCommand<BenchServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, BenchServeSettings settings, CancellationToken cancellationToken)
    {
        string work = Directory.CreateTempSubdirectory("cltool-bench-serve-").FullName;
        try
        {
            string model = settings.Model ?? BuiltInBaseOnnx(work);
            void Progress(string line) => console.MarkupLineInterpolated($"[grey]{line}[/]");
            var baseOptions = new ServeOptions { ModelName = "model", Device = DeviceKind.Cpu, QueueCapacity = 1024 };
            TimeSpan perLevel = TimeSpan.FromSeconds(settings.Seconds);
            ServeOptions batched = baseOptions with { MaxBatch = settings.MaxBatch, MaxDelayMs = settings.MaxDelayMs };
            ServeConfiguration[] configurations =
            [
                new("batching off", WireProtocol.Json, baseOptions with { MaxBatch = 1, MaxDelayMs = 0 }),
                new("batching on", WireProtocol.Json, batched),
                new("batching on, binary", WireProtocol.Binary, batched),
                new("batching on, gRPC", WireProtocol.Grpc, batched),
            ];
            var cpu = new CpuMeter();
            IReadOnlyList<LoadResult> results = await cpu.MeasureAsync(() => ServeBenchmark.RunAsync(model, configurations, settings.Levels, settings.Requests, perLevel, settings.Rounds, Progress));
            string markdown = ServeBenchmarkReport.Markdown(results, settings.Model ?? "the built-in base ViT (10-class head)", settings.MaxBatch, settings.MaxDelayMs, settings.Rounds, cpu.Verdict);
            console.Write(new Markup(Markup.Escape(markdown)));
            Directory.CreateDirectory(settings.Out);
            ServeBenchmarkReport.Plot(results, Path.Combine(settings.Out, "serve.png"));
            settings.Save("serve", new { results, settings.Rounds, cpuShare = cpu.Share, othersShare = cpu.OthersShare }, markdown);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The built-in base as a plain ONNX ViT with a random 10-class head: the cost of serving it is what matters.</summary>
    static string BuiltInBaseOnnx(string directory)
    {
        ModelFile baseModel = ModelFile.Load(BuiltInModels.Resolve(BuiltInModels.DefaultBase), withHead: false);
        string path = Path.Combine(directory, "model.onnx");
        var graph = Cltool.Exporter.ModelExport.Graph(ExportBenchmark.SyntheticStage(baseModel, 0, 10), "benchmark", new Cltool.Exporter.ExportOptions());
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(graph));
        return path;
    }
}
