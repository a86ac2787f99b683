using System.Diagnostics;
using Cltool.Core;
using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using TorchSharp;

namespace Cltool.Trainer.Tests;

/// <summary>
/// Five times the paper's 20 tasks: a tiny ViT learns 100 tasks of rendered glyphs (92 classes, then 4 per task: the
/// 488 classes of glyphs:pretrain) with SD-LoRA, about 45 s in all. No slot limit, live tensors grow by exactly one
/// direction per task, memory levels off, a step at task 100 costs what a step at task 2 does (frozen directions fold
/// into the weight), and metrics.json counts 99 frozen directions and 100 trained magnitudes at the last task.
/// </summary>
[Collection(nameof(ManyTasksTests))]
public sealed class ManyTasksTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    const int Tasks = 100, TensorsPerDirection = 4 * 2;   // A and B for q and v in each of vit-test-16's 2 blocks

    readonly TemporaryDirectory _temporary = new();

    /// <summary>Per task (one epoch each): live tensors and RSS after a full garbage collection at its end, and its steps' images/s.</summary>
    sealed class Sampler : ITrainingObserver
    {
        readonly List<double> _speeds = [];
        readonly Stopwatch _clock = Stopwatch.StartNew();
        public List<(long LiveTensors, long Rss, long Managed, double[] ImagesPerSecond, double Seconds)> Tasks { get; } = [];
        public void EpochStarted(int epoch, int epochs, int steps) => _speeds.Clear();
        public void StepFinished(int epoch, int step, int steps, double loss, double learningRate, double imagesPerSecond) => _speeds.Add(imagesPerSecond);
        public void EpochFinished(int epoch, double meanLoss, double heldOutAccuracy, double seconds)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using Process self = Process.GetCurrentProcess();
            Tasks.Add((DisposeScopeManager.Statistics.ThreadTotalLiveCount, self.WorkingSet64, GC.GetTotalMemory(false), [.. _speeds], _clock.Elapsed.TotalSeconds));
            _clock.Restart();
        }
        public void Message(string text) { }
    }

    [Fact]
    public void A_hundred_tasks_train_with_no_slot_limit_flat_live_tensors_and_bounded_memory()
    {
        var recipe = new TrainRecipe
        {
            Method = Methods.SdLora,
            Base = TinyBase.Write(_temporary.File("base.safetensors")),
            Data = "glyphs:pretrain?train=2&test=1&size=16",
            Tasks = Tasks,
            InitClasses = 92,
            Increment = 4,
            Epochs = 1,
            BatchSize = 8,
            LearningRate = 0.05,
            MinCropScale = 0.8,
        };
        var sampler = new Sampler();
        string run = _temporary.File("run");
        var clock = Stopwatch.StartNew();

        new ContinualLearner(recipe, run, sampler, workers: 1).Run(resume: false, DeviceKind.Cpu);

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s; RSS MB per task: {string.Join(" ", sampler.Tasks.Select(t => t.Rss >> 20))}");
        output.WriteLine($"managed MB per task: {string.Join(" ", sampler.Tasks.Select(t => t.Managed >> 20))}");
        output.WriteLine($"seconds per task: {string.Join(" ", sampler.Tasks.Select(t => t.Seconds.ToString("F1")))}");
        ContinualCheckpoint last = ContinualCheckpoint.Load(new RunDirectory(run).TaskCheckpoint(Tasks - 1));
        Assert.Equal(Tasks, last.Directions().Count);
        Assert.Equal(Tasks, last.Magnitudes().Length);
        Assert.Equal(488, last.SeenClasses);
        Assert.Equal(Tasks, sampler.Tasks.Count);

        TaskCost[] costs = MetricsReport.Read(new RunDirectory(run).Metrics).Costs!;
        Dictionary<string, ParameterGroup> lastTask = costs[^1].Parameters.ToDictionary(g => g.Name);
        long direction = lastTask[ParameterGroups.CurrentAdapter].Stored;
        Assert.Equal(new ParameterGroup(ParameterGroups.FrozenDirections, 0, (Tasks - 1) * direction), lastTask[ParameterGroups.FrozenDirections]);
        Assert.Equal(new ParameterGroup(ParameterGroups.Magnitudes, Tasks, Tasks), lastTask[ParameterGroups.Magnitudes]);

        long[] growth = sampler.Tasks.Zip(sampler.Tasks.Skip(1), (a, b) => b.LiveTensors - a.LiveTensors).Skip(2).ToArray();
        Assert.True(growth.All(g => g == TensorsPerDirection), $"live tensors per task: {string.Join(", ", growth.Distinct())}");
        double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        double early = Median(sampler.Tasks.Skip(1).Take(10).SelectMany(t => t.ImagesPerSecond)), late = Median(sampler.Tasks.TakeLast(10).SelectMany(t => t.ImagesPerSecond));
        // Printed, not asserted: a wall-clock ratio inside a test measures the machine's load as much as the code (it
        // failed at 36 against 276 img/s on a busy machine). The speed target is bench train's 20-vs-1 ratio, measured
        // in interleaved rounds; this test asserts what the step's cost depends on: the live tensors added per task (above).
        output.WriteLine($"img/s tasks 2-11 {early:F0}, 91-100 {late:F0}");

        // Memory levels off. RSS is the process's, shared with the suite's other tests, so this class runs alone (its
        // collection is not parallel) and only growth counts: run alone, RSS grew 131 MB over tasks 1–50 and 33–43 MB over
        // tasks 51–100 (the managed part is the metrics, which grow with tasks²). A leak of 3 MB per task fails.
        double rssAfter1 = sampler.Tasks[0].Rss, rssAt50 = Median(sampler.Tasks.Skip(40).Take(10).Select(t => (double)t.Rss)),
               rssAt100 = Median(sampler.Tasks.TakeLast(10).Select(t => (double)t.Rss));
        output.WriteLine($"RSS MB: task 1 {rssAfter1 / (1 << 20):F0}, tasks 41-50 {rssAt50 / (1 << 20):F0}, tasks 91-100 {rssAt100 / (1 << 20):F0}");
        Assert.True(rssAt100 - rssAt50 < 150 << 20, $"RSS grew {(rssAt100 - rssAt50) / (1 << 20):F0} MB over tasks 51–100");
        Assert.True(sampler.Tasks.Max(t => t.Rss) - rssAfter1 < 512 << 20, $"RSS rose {(sampler.Tasks.Max(t => t.Rss) - rssAfter1) / (1 << 20):F0} MB above task 1's");
    }

    public void Dispose() => _temporary.Dispose();
}
