using System.ComponentModel;
using Cltool.Cli.Benchmarks;
using Cltool.Cli.Infrastructure;
using Cltool.Core.Continual;
using Cltool.InferenceHost;
using Cltool.Core;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Trainer.Native;
using Cltool.Trainer.Pretraining;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Cltool.Cli.Commands;

public class BenchSettings : CommandSettings
{
    [CommandOption("-o|--out <DIR>")]
    [Description("Where results go as JSON and Markdown.")]
    [DefaultValue("artifacts/bench")]
    public string Out { get; init; } = "artifacts/bench";

    /// <summary>Writes a benchmark's result as JSON and as the Markdown table it printed.</summary>
    public void Save(string name, object result, string markdown)
    {
        AtomicFile.WriteAllText(Path.Combine(Out, name + ".json"), CltoolJson.Serialize(result) + "\n");
        AtomicFile.WriteAllText(Path.Combine(Out, name + ".md"), markdown);
    }
}

public sealed class BenchTrainSettings : BenchSettings
{
    [CommandOption("--model <PRESET>")]
    [DefaultValue("vit-cpu-28")]
    [Description("ViT preset to time (random weights; the speed does not depend on them).")]
    public string Model { get; init; } = "vit-cpu-28";

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    [Description("Images per step (the Split Fashion-MNIST recipe uses 32).")]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--steps <N>")]
    [DefaultValue(10)]
    [Description("Timed steps per configuration and round (after 1 warm-up step).")]
    public int Steps { get; init; } = 10;

    [CommandOption("--rounds <N>")]
    [DefaultValue(5)]
    [Description("Interleaved rounds; each row's figure is the median over rounds, with its min–max.")]
    public int Rounds { get; init; } = 5;

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires(ViTConfig.Presets.ContainsKey(Model), $"--model '{Model}' is not a preset ({string.Join(", ", ViTConfig.Presets.Keys)})."),
        Rules.Positive("--batch-size", BatchSize), Rules.Positive("--steps", Steps), Rules.Positive("--rounds", Rounds));
}

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

public sealed class BenchExportSettings : BenchSettings
{
    [CommandOption("--base <FILE>")]
    [Description("The base ViT whose backbone carries the adapters. Default: the built-in base model.")]
    public string? Base { get; init; }

    [CommandOption("--tasks <LIST>")]
    [DefaultValue("1,5,10,20")]
    [Description("Task counts (rank-10 directions per task) to compare, comma-separated.")]
    public string Tasks { get; init; } = "1,5,10,20";

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    [Description("Batch size of the throughput measurement.")]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--rounds <N>")]
    [DefaultValue(5)]
    [Description("Interleaved rounds; each model's figure is the median over rounds.")]
    public int Rounds { get; init; } = 5;

    public int[] TaskCounts => Tasks.Split(',').Select(t => int.TryParse(t, out int n) ? n : -1).ToArray();

    public override ValidationResult Validate() => Rules.All(
        Rules.FileExists("--base", Base),
        Rules.Requires(TaskCounts.All(n => n > 0), $"--tasks must be positive integers separated by commas, got '{Tasks}'."),
        Rules.Positive("--batch-size", BatchSize), Rules.Positive("--rounds", Rounds));
}

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

public sealed class BenchServeSettings : BenchSettings
{
    [CommandOption("--model <FILE>")]
    [Description("The ONNX model to serve. Default: the built-in base ViT exported with a 10-class head.")]
    public string? Model { get; init; }

    [CommandOption("--concurrency <LIST>")]
    [DefaultValue("1,8,32")]
    [Description("Concurrent clients per load level, comma-separated.")]
    public string Concurrency { get; init; } = "1,8,32";

    [CommandOption("--requests <N>")]
    [DefaultValue(2000)]
    [Description("Requests per load level (at most).")]
    public int Requests { get; init; } = 2000;

    [CommandOption("--seconds <S>")]
    [DefaultValue(20)]
    [Description("Time limit per load level.")]
    public int Seconds { get; init; } = 20;

    [CommandOption("--rounds <N>")]
    [DefaultValue(3)]
    [Description("Interleaved rounds over every configuration and level; requests/s is the median over rounds, with its min–max.")]
    public int Rounds { get; init; } = 3;

    [CommandOption("--max-batch <N>")]
    [DefaultValue(32)]
    [Description("The batched configuration's largest batch.")]
    public int MaxBatch { get; init; } = 32;

    [CommandOption("--max-delay-ms <MS>")]
    [DefaultValue(2)]
    [Description("The batched configuration's wait for company.")]
    public int MaxDelayMs { get; init; } = 2;

    public int[] Levels => Concurrency.Split(',').Select(t => int.TryParse(t, out int n) ? n : -1).ToArray();

    public override ValidationResult Validate() => Rules.All(
        Rules.FileExists("--model", Model),
        Rules.Requires(Levels.All(n => n > 0), $"--concurrency must be positive integers separated by commas, got '{Concurrency}'."),
        Rules.Positive("--requests", Requests), Rules.Positive("--seconds", Seconds), Rules.Positive("--rounds", Rounds),
        Rules.Positive("--max-batch", MaxBatch), Rules.NonNegative("--max-delay-ms", MaxDelayMs));
}

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

public sealed class BenchProbeSettings : BenchSettings
{
    [CommandOption("-m|--model <FILE>")]
    [Description("A cltool model file to probe (its head is ignored).")]
    [DefaultValue(BuiltInModels.DefaultBase)]
    public string Model { get; init; } = BuiltInModels.DefaultBase;

    [CommandOption("--data <NAMES>")]
    [Description("Datasets whose classes the probes learn, comma-separated.")]
    [DefaultValue(TransferBenchmark.DefaultData)]
    public string Data { get; init; } = TransferBenchmark.DefaultData;

    [CommandOption("--train <N>")]
    [Description("Training images per dataset (evenly spread over the split, so every class is represented alike).")]
    [DefaultValue(10000)]
    public int TrainImages { get; init; } = 10000;

    [CommandOption("--test <N>")]
    [Description("Test images per dataset.")]
    [DefaultValue(10000)]
    public int TestImages { get; init; } = 10000;

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the randomly initialised comparison ViT.")]
    [DefaultValue(1993)]
    public int Seed { get; init; } = 1993;

    [CommandOption("--record")]
    [Description("Also record the results in the model's card (MODEL.card.json next to the model file).")]
    public bool Record { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.FileExists("--model", Model), Rules.Positive("--train", TrainImages), Rules.Positive("--test", TestImages),
        Rules.Requires(!Record || File.Exists(ModelCard.PathFor(Model)), $"--record needs the model's card '{ModelCard.PathFor(Model)}'."));
}

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

public sealed class BenchDataSettings : BenchSettings
{
    [CommandOption("--data <NAME>")]
    [Description("Datasets to measure, comma-separated.")]
    [DefaultValue("fashion-mnist,glyphs:pretrain")]
    public string Data { get; init; } = "fashion-mnist,glyphs:pretrain";

    [CommandOption("--model <PRESET>")]
    [DefaultValue("vit-cpu-28")]
    [Description("The ViT whose training step the pipeline must outpace.")]
    public string Model { get; init; } = "vit-cpu-28";

    [CommandOption("--batch-size <N>")]
    [DefaultValue(128)]
    [Description("Images per batch.")]
    public int BatchSize { get; init; } = 128;

    [CommandOption("--workers <N>")]
    [DefaultValue(2)]
    [Description("Pipeline worker threads.")]
    public int Workers { get; init; } = 2;

    [CommandOption("--batches <N>")]
    [DefaultValue(40)]
    [Description("Batches the pipeline delivers in the measurement.")]
    public int Batches { get; init; } = 40;
}

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
