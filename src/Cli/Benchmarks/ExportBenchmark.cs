using System.Diagnostics;
using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Directions;
using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Core.Weights;
using Cltool.Exporter;
using Cltool.Exporter.Verification;
using Cltool.Trainer.Continual;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// What merging buys at inference: the plain base ViT, the merged ONNX, the unmerged ONNX (adapters as branches) and the
/// TorchSharp model with its adapters, after 1, 5, 10 and 20 tasks of rank-10 SD-LoRA directions on the built-in base.
/// Directions are random (speed does not depend on their values) and the head keeps 10 classes, so only the adapters
/// differ. Every model is timed in every round, round-robin, so drift of this shared machine hits all of them alike.
/// </summary>
public sealed class ExportBenchmark : IDisposable
{
    public const string Plain = "plain ViT (ONNX Runtime)", Merged = "merged (ONNX Runtime)", Fused = "merged, fused attention (ONNX Runtime)",
                        Int8 = "merged, int8 (ONNX Runtime)", Unmerged = "unmerged (ONNX Runtime)", Eager = "adapters (TorchSharp eager)";

    readonly List<(string Name, int Tasks, Func<float[], int, float[]> Run, IDisposable Owner)> _models = [];
    readonly Dictionary<(string Name, int Tasks), string> _structures = new();
    readonly string _workDirectory;

    public ExportBenchmark(ModelFile baseModel, IReadOnlyList<int> taskCounts, string workDirectory, int rank = 10)
    {
        _workDirectory = workDirectory;
        Directory.CreateDirectory(workDirectory);
        AddOnnx(Plain, 0, SyntheticStage(baseModel, 0, rank), new ExportOptions());
        foreach (int tasks in taskCounts)
        {
            ContinualCheckpoint stage = SyntheticStage(baseModel, tasks, rank);
            AddOnnx(Merged, tasks, stage, new ExportOptions());
            AddOnnx(Fused, tasks, stage, new ExportOptions(FusedAttention: true));
            AddOnnx(Int8, tasks, stage, new ExportOptions(Precision: WeightPrecision.Int8));
            AddOnnx(Unmerged, tasks, stage, new ExportOptions(Merge: false));
            var eager = ContinualModel.FromCheckpoint(stage, CPU);
            eager.Eval();
            _models.Add((Eager, tasks, (pixels, count) => EagerLogits(eager, pixels, count, stage.Config), eager));
        }
        ImageElements = baseModel.Config.Channels * baseModel.Config.ImageSize * baseModel.Config.ImageSize;
    }

    public int ImageElements { get; }

    /// <summary>Whether every merged graph has exactly the plain ViT's operators and weight shapes (so exactly its FLOPs).</summary>
    public bool MergedIsPlainViT => _structures.Where(s => s.Key.Name == Merged).All(s => s.Value == _structures[(Plain, 0)]);

    /// <summary>Largest |logit difference| between each task count's float models on the same images: they must agree.</summary>
    public double Disagreement(float[] pixels, int count) =>
        _models.Where(m => m.Tasks > 0 && m.Name != Int8).GroupBy(m => m.Tasks).Max(group =>
        {
            float[][] outputs = group.Select(m => m.Run(pixels, count)).ToArray();
            return outputs.Skip(1).Max(other => other.Zip(outputs[0]).Max(pair => (double)Math.Abs(pair.First - pair.Second)));
        });

    /// <summary>Times every model in every round; <paramref name="cpu"/> records how much CPU the timed sections got.</summary>
    public IReadOnlyList<InferenceTiming> Measure(int rounds, int batchSize, CpuMeter cpu, Action<string> progress)
    {
        var random = new Random(1993);
        float[] pixels = Enumerable.Range(0, batchSize * ImageElements).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        foreach (var model in _models) { model.Run(pixels, 1); model.Run(pixels, batchSize); }   // warm-up
        var latency = _models.Select(_ => new List<double>()).ToArray();
        var throughput = _models.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            // Each round starts at another model, and every model gets a pause first: both runtimes keep their worker
            // threads spinning for a while after a call, which would otherwise slow down whichever model runs next.
            for (int k = 0; k < _models.Count; k++)
            {
                int m = (k + round * 3) % _models.Count;
                Thread.Sleep(250);
                latency[m].Add(cpu.Measure(() => Seconds(() => _models[m].Run(pixels, 1), 20)) * 1000);
                throughput[m].Add(batchSize / cpu.Measure(() => Seconds(() => _models[m].Run(pixels, batchSize), 4)));
            }
            progress($"round {round + 1}/{rounds} done");
        }
        return _models.Select((m, i) => new InferenceTiming(m.Name, m.Tasks, RoundSpread.Of(latency[i]).Median, RoundSpread.Of(throughput[i]), batchSize)).ToArray();
    }

    void AddOnnx(string name, int tasks, ContinualCheckpoint stage, ExportOptions options)
    {
        string path = Path.Combine(_workDirectory, $"{tasks}-tasks-{_models.Count}.onnx");
        Onnx.ModelProto graph = ModelExport.Graph(stage, "benchmark", options);
        _structures[(name, tasks)] = string.Join(";", graph.Graph.Node.Select(n => n.OpType)) + "|" +
                                     string.Join(";", graph.Graph.Initializer.Select(t => $"{t.Name}[{string.Join(",", t.Dims)}]"));
        File.WriteAllBytes(path, graph.ToByteArray());
        var runner = new OnnxRunner(path);
        _models.Add((name, tasks, runner.Logits, runner));
    }

    static float[] EagerLogits(ContinualModel model, float[] pixels, int count, ViTConfig config)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor input = tensor(pixels.AsSpan(0, count * config.Channels * config.ImageSize * config.ImageSize).ToArray(),
            [count, config.Channels, config.ImageSize, config.ImageSize]);
        return model.Forward(input).data<float>().ToArray();
    }

    /// <summary>A stage with <paramref name="tasks"/> random rank-r directions on the base backbone and a 10-class head.</summary>
    public static ContinualCheckpoint SyntheticStage(ModelFile baseModel, int tasks, int rank, int classes = 10)
    {
        ViTConfig config = baseModel.Config;
        var random = new Random(tasks + 1);
        HostTensor Random(long[] shape, double scale) =>
            new(Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray(), shape);
        double Norm(HostTensor t) => Math.Sqrt(t.Data.Sum(v => (double)v * v));
        LoraFactors Factors() => new(Random([rank, config.Dim], 1 / Math.Sqrt(config.Dim)), Random([config.Dim, rank], 0.05));
        var directions = Enumerable.Range(0, tasks).Select(_ =>
        {
            LoraFactors[] q = Enumerable.Range(0, config.Depth).Select(_ => Factors()).ToArray();
            LoraFactors[] v = Enumerable.Range(0, config.Depth).Select(_ => Factors()).ToArray();
            var norms = new float[config.Depth, 2];
            for (int b = 0; b < config.Depth; b++)
            {
                norms[b, 0] = (float)(Norm(q[b].A) * Norm(q[b].B));
                norms[b, 1] = (float)(Norm(v[b].A) * Norm(v[b].B));
            }
            return new LoraDirection(q, v, norms);
        }).ToArray();
        return new ContinualCheckpoint
        {
            Recipe = new TrainRecipe { Method = Methods.SdLora },
            Config = config,
            Preprocessing = baseModel.Preprocessing,
            ClassNames = Enumerable.Range(0, classes).Select(c => $"class {c}").ToArray(),
            Scenario = new Scenario(Enumerable.Range(0, classes).ToArray(), [classes]),
            Task = 0,
            CompletedEpochs = 0,
            Backbone = config.ExpectedTensors().ToDictionary(t => t.Name, t => baseModel.Weights[t.Name]),
            HeadWeight = Random([classes, config.Dim], 0.1),
            HeadBias = Random([classes], 0.1),
            Adapter = directions.Length == 0 ? null : new DirectionSet(directions, directions.Select(_ => 0.5 + random.NextDouble()).ToArray()),
        };
    }

    static double Seconds(Action action, int repeats)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++) action();
        return clock.Elapsed.TotalSeconds / repeats;
    }

    public void Dispose()
    {
        foreach (var model in _models) model.Owner.Dispose();
    }
}
