using Cltool.Core;
using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Weights;
using Cltool.Trainer.Continual;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

/// <summary>The real learner loop on Split Fashion-MNIST (a few images per class) with a tiny random base.</summary>
public sealed class ContinualLearnerTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();
    readonly string _base;

    public ContinualLearnerTests() => _base = TinyBase.Write(_temporary.File("base.safetensors"));

    public void Dispose() => _temporary.Dispose();

    TrainRecipe Recipe(string method = Methods.SdLora) => new()
    {
        Method = method,
        Base = _base,
        TrainPerClass = 24,
        TestPerClass = 10,
        Epochs = 1,
        InitEpochs = 2,
        BatchSize = 8,
        LearningRate = 0.05,
        MinCropScale = 0.8,
    };

    static TrainResult Train(TrainRecipe recipe, string run, Recorder? recorder = null, bool resume = false, CancellationToken cancel = default) =>
        new ContinualLearner(recipe, run, recorder ?? new Recorder(), workers: 1).Run(resume, DeviceKind.Cpu, cancel);

    [Fact]
    public void A_run_records_its_manifest_in_run_json_and_in_every_checkpoint_header()
    {
        string run = _temporary.File("run");
        Train(Recipe(), run);
        var directory = new RunDirectory(run);

        RunManifest manifest = RunManifest.Read(directory)!;
        ContinualCheckpoint last = ContinualCheckpoint.Load(directory.TaskCheckpoint(4));
        int[] classOrder = System.Text.Json.JsonDocument.Parse(File.ReadAllText(directory.ClassOrder)).RootElement.GetProperty("order")
            .EnumerateArray().Select(e => e.GetInt32()).ToArray();

        Assert.Equal(Recipe().Seed, manifest.Seed);
        Assert.Equal(classOrder, manifest.ClassOrder);
        Assert.Equal("fashion-mnist", manifest.Dataset.Spec);
        Assert.Equal(4, manifest.Dataset.Files);   // the four idx files
        Assert.Matches("^[0-9a-f]{64}$", manifest.Dataset.Sha256);
        Assert.Equal(last.BaseSha256, manifest.BaseModelSha256);
        Assert.Equal(_base, manifest.BaseModel);
        Assert.Matches("^[0-9a-f]{40}$", manifest.Environment.Commit);
        Assert.Contains(manifest.Environment.Packages.Keys, name => name.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.Contains(manifest.Environment.Packages.Keys, name => name.StartsWith("libtorch", StringComparison.Ordinal));
        Assert.Equal("cpu", manifest.Environment.Device);
        Assert.Empty(manifest.DifferencesFromHere());
        Assert.Equal(Cltool.Core.Models.CltoolJson.Serialize(manifest), Cltool.Core.Models.CltoolJson.Serialize(last.Run));
        Assert.Equal(Cltool.Core.Models.CltoolJson.Serialize(manifest), Cltool.Core.Models.CltoolJson.Serialize(RunManifest.ReadFromCheckpoint(directory.TaskCheckpoint(0))));
    }

    [Fact]
    public void A_manifest_names_each_environment_fact_that_differs()
    {
        RunEnvironment here = RunEnvironment.Here("cpu", 2);
        RunEnvironment then = here with
        {
            Commit = "0123456789abcdef0123456789abcdef01234567",
            Dirty = true,
            Cpu = "another CPU",
            Packages = here.Packages.ToDictionary(p => p.Key, p => p.Key.StartsWith("TorchSharp", StringComparison.Ordinal) ? "0.0.1" : p.Value),
        };

        IReadOnlyList<string> differences = then.DifferencesFrom(here);

        Assert.Contains($"cltool commit: the run had 0123456789abcdef0123456789abcdef01234567 (uncommitted changes), this is {here.Commit}{(here.Dirty ? " (uncommitted changes)" : "")}", differences);
        Assert.Contains($"CPU: the run had another CPU, this is {here.Cpu}", differences);
        Assert.Contains(differences, line => line.StartsWith("TorchSharp", StringComparison.Ordinal) && line.Contains("the run had 0.0.1"));
        Assert.Empty(here.DifferencesFrom(here));
    }

    [Fact]
    public void Sdlora_keeps_old_head_rows_earlier_directions_and_the_backbone_bit_identical()
    {
        string run = _temporary.File("run");
        TrainResult result = Train(Recipe(), run);
        var directory = new RunDirectory(run);
        ContinualCheckpoint[] stages = Enumerable.Range(0, 5).Select(t => ContinualCheckpoint.Load(directory.TaskCheckpoint(t))).ToArray();
        Dictionary<string, HostTensor> pristine = Cltool.Core.Models.ModelFile.Load(_base, withHead: false).Weights;

        for (int t = 0; t < 5; t++)
        {
            ContinualCheckpoint stage = stages[t];
            Assert.Equal(2 * (t + 1), stage.SeenClasses);
            Assert.Equal(t + 1, stage.Directions().Count);
            Assert.Equal(t + 1, stage.Magnitudes().Length);
            Assert.All(pristine, pair => Assert.Equal(pair.Value.Data, stage.Backbone[pair.Key].Data));
            if (t == 0) continue;
            ContinualCheckpoint previous = stages[t - 1];
            // Masked loss: old rows get no gradient, so SGD leaves them exactly as they were.
            Assert.Equal(previous.HeadWeight.Data, stage.HeadWeight.Data.Take(previous.HeadWeight.Data.Length));
            Assert.Equal(previous.HeadBias.Data, stage.HeadBias.Data.Take(previous.HeadBias.Data.Length));
            for (int i = 0; i < t; i++)
            {
                Assert.Equal(previous.Directions()[i].Query[1].A.Data, stage.Directions()[i].Query[1].A.Data);
                Assert.Equal(previous.Directions()[i].Value[0].B.Data, stage.Directions()[i].Value[0].B.Data);
            }
            // Code variant: the direction just frozen is divided by ||B||_F ||A||_F; the current one is not normalised.
            LoraFactors q = stage.Directions()[t - 1].Query[0];
            double expected = Norm(q.B.Data) * Norm(q.A.Data);
            Assert.Equal(expected, stage.Directions()[t - 1].Norms[0, 0], expected * 1e-5);
            Assert.Equal(1f, stage.Directions()[t].Norms[1, 1]);
        }
        Assert.Equal(stages[4].Metrics!.Acc, result.Metrics.Acc);
        Assert.Equal(5, result.Metrics.AccuracyAfterTask.Length);
        Assert.All(result.Metrics.Total[0], total => Assert.Equal(20, total));   // 10 test images x 2 classes
        Assert.True(File.Exists(directory.MatrixPng) && File.Exists(directory.CurvePng) && File.Exists(directory.MatrixCsv));
    }

    [Fact]
    public void Evaluating_the_last_checkpoint_reproduces_the_runs_accuracy_and_golden_logits()
    {
        string run = _temporary.File("run");
        TrainResult result = Train(Recipe(), run);

        StageAccuracy accuracy = CheckpointEvaluation.Run(result.LastCheckpoint, null, null, 1, CPU);
        Assert.Equal(result.Metrics.Acc, Math.Round(accuracy.Overall, 6));

        using var golden = Cltool.Core.Weights.SafeTensorsFile.Open(new RunDirectory(run).Golden);
        Assert.Equal([16, 3, 16, 16], golden["pixel_values"].Shape);
        using ContinualModel model = ContinualModel.FromCheckpoint(ContinualCheckpoint.Load(result.LastCheckpoint), CPU);
        model.Eval();
        using var _ = no_grad();
        using Tensor logits = model.Forward(tensor(golden.ReadFloats("pixel_values"), golden["pixel_values"].Shape));
        float[] expected = golden.ReadFloats("logits");
        float[] actual = logits.data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);
    }

    [Theory]
    [MemberData(nameof(CatalogMethods.BesidesTheHeadline), MemberType = typeof(CatalogMethods))]
    public void Every_method_runs_in_the_same_loop(string method)
    {
        TrainResult result = Train(Recipe(method), _temporary.File(method));
        ContinualCheckpoint last = ContinualCheckpoint.Load(result.LastCheckpoint);

        Assert.Equal(10, last.SeenClasses);
        // The headline is the last column's counts, and the task id can only help (the argmax over a subset holding the truth).
        Assert.Equal(Math.Round((double)result.Metrics.Correct.Sum(row => row[^1]) / result.Metrics.Total.Sum(row => row[^1]), 6), result.Metrics.Acc);
        Assert.True(result.Metrics.TaskAware!.Acc >= result.Metrics.Acc);
        int expectedTasks = method == Methods.Joint ? 1 : 5;
        Assert.Equal(expectedTasks, result.Metrics.AccuracyAfterTask.Length);
        Dictionary<string, HostTensor> pristine = Cltool.Core.Models.ModelFile.Load(_base, withHead: false).Weights;
        bool backboneChanged = pristine.Any(pair => !pair.Value.Data.SequenceEqual(last.Backbone[pair.Key].Data));
        Assert.Equal(method == Methods.FullFineTune, backboneChanged);
        AssertParametersByGroup(method, result.Metrics, last, pristine.Values.Sum(t => (long)t.Data.Length));
        switch (method)
        {
            case Methods.SeqLora or Methods.Joint:
                Assert.Equal([1.0], last.Magnitudes());
                break;
            case Methods.SdLoraPaper:
                // Magnitudes carry over: the first one is no longer its initial 1.0 after four more tasks trained it.
                Assert.Equal(5, last.Magnitudes().Length);
                Assert.NotEqual(1.0, last.Magnitudes()[0]);
                Assert.All(last.Directions(), d => Assert.NotEqual(1f, d.Norms[0, 0]));
                break;
            case Methods.CLora:
                // One shared adapter: the same stored size after every task, its shared factors still learning in later
                // tasks, and every task's R_δ merged into R_old before the task's checkpoint.
                ContinualCheckpoint[] stages = Enumerable.Range(0, 5).Select(t => ContinualCheckpoint.Load(new RunDirectory(_temporary.File(method)).TaskCheckpoint(t))).ToArray();
                Assert.IsType<RoutedLora>(last.Adapter);
                Assert.Single(stages.Select(stage => stage.Routed().Parameters).Distinct());
                Assert.Equal(last.Routed().Parameters, result.Metrics.AdapterParameters);
                Assert.NotEqual(stages[1].Routed().Modules[1][1].Up.Data, last.Routed().Modules[1][1].Up.Data);
                Assert.All(stages.SelectMany(stage => stage.Routed().Modules.SelectMany(m => m)), m => Assert.Null(m.RoutingDelta));
                break;
            case Methods.InfLora:
                AssertInfLoraStages(Enumerable.Range(0, 5).Select(t => ContinualCheckpoint.Load(new RunDirectory(_temporary.File(method)).TaskCheckpoint(t))).ToArray(),
                    result.Metrics);
                break;
            case Methods.SimpleCil:
                for (int row = 0; row < 10; row++)
                    Assert.Equal(1.0, Norm(last.HeadWeight.Data.AsSpan(row * 32, 32).ToArray()), 4);
                Assert.All(last.HeadBias.Data, b => Assert.Equal(0f, b));
                break;
        }
    }

    /// <summary>
    /// InfLoRA stage by stage: every task keeps its factors bit for bit once finished (reference T11), each task's designed
    /// rows are orthogonal to the subspace stored before it (T2, within the float32 the rows are stored in), the subspace
    /// only grows and stays orthonormal, and metrics.json reports its size per block after every task.
    /// </summary>
    static void AssertInfLoraStages(ContinualCheckpoint[] stages, MetricsReport metrics)
    {
        Assert.Equal([0, 1, 2, 3, 4], metrics.Subspaces!.Select(s => s.Task));
        Assert.All(metrics.Subspaces!, s => Assert.Equal([10, 10], s.DesignedRanks));   // 32 wide, rank 10: room for every row
        for (int task = 0; task < stages.Length; task++)
        {
            InfLoraState state = stages[task].InfLora();
            Assert.All(state.Tasks, blockTasks => Assert.Equal(task + 1, blockTasks.Length));
            Assert.Equal(metrics.Subspaces![task].Sizes, state.Subspaces.Select(b => b.Size));
            Assert.All(state.Subspaces, basis => Assert.True(basis.OrthonormalityError() <= 1e-10));
            if (task == 0) continue;
            InfLoraState before = stages[task - 1].InfLora();
            for (int block = 0; block < state.Tasks.Length; block++)
            {
                Assert.True(state.Subspaces[block].Size >= before.Subspaces[block].Size);
                for (int earlier = 0; earlier < task; earlier++)
                    Assert.Equal(before.Tasks[block][earlier], state.Tasks[block][earlier], InfLoraFactorsComparer.Instance);
                double leak = LargestProjection(state.Tasks[block][task].Down, before.Subspaces[block]);
                Assert.True(leak <= 1e-6, $"task {task + 1}, block {block}: designed rows reach {leak:E2} into the stored subspace");
            }
        }
    }

    /// <summary>max |√3·A·M|: how far a down-projection's rows reach into a stored subspace.</summary>
    static double LargestProjection(HostTensor down, SubspaceBasis basis)
    {
        int rank = (int)down.Shape[0], dim = basis.Dim, size = basis.Size;
        double worst = 0;
        for (int r = 0; r < rank; r++)
            for (int k = 0; k < size; k++)
                worst = Math.Max(worst, Math.Abs(Math.Sqrt(3) * Enumerable.Range(0, dim).Sum(i => down.Data[r * dim + i] * basis.Columns[i * size + k])));
        return worst;
    }

    [Theory]
    [InlineData("design")]     // killed after task 2's design, before its first step
    [InlineData("mid-task")]   // killed after task 2's first of two epochs
    [InlineData("memory")]     // killed after task 2's training, before its subspace grows
    public void An_inflora_run_killed_and_resumed_ends_bit_identical(string when)
    {
        string straight = _temporary.File("straight"), interrupted = _temporary.File("interrupted");
        TrainRecipe recipe = Recipe(Methods.InfLora) with { Epochs = 2 };
        Train(recipe, straight);

        using var cancel = new CancellationTokenSource();
        int epochsSeen = 0;
        var stopper = when switch
        {
            "design" => new Recorder(onMessage: text => { if (text.StartsWith("task 2/5", StringComparison.Ordinal)) cancel.Cancel(); }),
            "mid-task" => new Recorder(onEpochFinished: _ => { if (++epochsSeen == 3) cancel.Cancel(); }),
            _ => new Recorder(onEpochFinished: _ => { if (++epochsSeen == 4) cancel.Cancel(); }),
        };
        Assert.ThrowsAny<OperationCanceledException>(() => Train(recipe, interrupted, stopper, cancel: cancel.Token));
        Assert.False(File.Exists(new RunDirectory(interrupted).TaskCheckpoint(1)));
        Train(recipe, interrupted, resume: true);

        ContinualCheckpoint a = ContinualCheckpoint.Load(new RunDirectory(straight).TaskCheckpoint(4));
        ContinualCheckpoint b = ContinualCheckpoint.Load(new RunDirectory(interrupted).TaskCheckpoint(4));
        Assert.Equal(a.HeadWeight.Data, b.HeadWeight.Data);
        Assert.Equal(a.InfLora().Tasks.SelectMany(t => t), b.InfLora().Tasks.SelectMany(t => t), InfLoraFactorsComparer.Instance);
        Assert.Equal(a.InfLora().Subspaces.Select(s => s.Columns), b.InfLora().Subspaces.Select(s => s.Columns));
        Assert.Equal(a.Metrics, b.Metrics, MetricsComparer.Instance);
    }

    /// <summary>
    /// Each task's numbers by group, counted from what the optimiser held and what the checkpoint stores: the backbone
    /// trains only under full fine-tuning, the head trains (all its rows: the masked loss leaves old rows a zero gradient)
    /// unless SimpleCIL writes it, and each adapter's groups add up to the sizes its checkpoint holds.
    /// </summary>
    static void AssertParametersByGroup(string method, MetricsReport metrics, ContinualCheckpoint last, long backbone)
    {
        TaskCost[] costs = metrics.Costs!;
        Assert.Equal(metrics.AccuracyAfterTask.Length, costs.Length);
        for (int task = 0; task < costs.Length; task++)
        {
            Dictionary<string, ParameterGroup> groups = costs[task].Parameters.ToDictionary(g => g.Name);
            Assert.Equal(ParameterGroups.All, costs[task].Parameters.Select(g => g.Name));
            Assert.Equal(new ParameterGroup(ParameterGroups.Backbone, method == Methods.FullFineTune ? backbone : 0, backbone), groups[ParameterGroups.Backbone]);
            long head = (method == Methods.Joint ? 10 : 2 * (task + 1)) * (32 + 1);
            Assert.Equal(new ParameterGroup(ParameterGroups.Head, method == Methods.SimpleCil ? 0 : head, head), groups[ParameterGroups.Head]);
            Assert.Equal(method == Methods.SimpleCil, costs[task].TrainingSeconds == 0);
            (long Trainable, long Stored) Of(string group) => (groups[group].Trainable, groups[group].Stored);
            switch (method)
            {
                case Methods.SdLoraPaper or Methods.SdLoraRr:
                    long frozen = last.Directions().Take(task).Sum(d => d.Parameters), current = last.Directions()[task].Parameters;
                    Assert.Equal((0L, frozen), Of(ParameterGroups.FrozenDirections));
                    Assert.Equal((task + 1L, task + 1L), Of(ParameterGroups.Magnitudes));
                    Assert.Equal((current, current), Of(ParameterGroups.CurrentAdapter));
                    break;
                case Methods.CLora:
                    long routingOld = last.Routed().Modules.SelectMany(m => m).Sum(m => (long)m.RoutingOld.Data.Length);
                    long factors = last.Routed().Parameters - routingOld;
                    Assert.Equal((0L, routingOld), Of(ParameterGroups.FrozenDirections));
                    Assert.Equal((0L, 0L), Of(ParameterGroups.Magnitudes));
                    Assert.Equal((factors + routingOld, factors), Of(ParameterGroups.CurrentAdapter));   // R_δ trains, then merges into R_old
                    break;
                case Methods.InfLora:
                    long perTask = last.InfLora().Parameters / 5, trained = 2 * perTask / 3;   // of A, B_k, B_v only the B train
                    Assert.Equal((0L, task * perTask), Of(ParameterGroups.FrozenDirections));
                    Assert.Equal((0L, 0L), Of(ParameterGroups.Magnitudes));
                    Assert.Equal((trained, perTask), Of(ParameterGroups.CurrentAdapter));
                    break;
                case Methods.SeqLora or Methods.Joint:
                    Assert.Equal((0L, 0L), Of(ParameterGroups.FrozenDirections));
                    Assert.Equal((0L, 1L), Of(ParameterGroups.Magnitudes));
                    Assert.Equal((last.Directions()[0].Parameters, last.Directions()[0].Parameters), Of(ParameterGroups.CurrentAdapter));
                    break;
                default:
                    Assert.All(ParameterGroups.Adapter, group => Assert.Equal((0L, 0L), Of(group)));
                    break;
            }
        }
        Assert.Equal(ParameterGroups.AdapterStored(costs[^1].Parameters), metrics.AdapterParameters);
    }

    [Fact]
    public void Live_tensors_stay_flat_over_steps_and_grow_only_by_the_new_directions_per_task()
    {
        var samples = new List<long>();
        var recorder = new Recorder(onStepFinished: () => samples.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        Train(Recipe() with { TrainPerClass = 48, Epochs = 2, InitEpochs = 2 }, _temporary.File("run"), recorder);

        // 96 images per task, batch 8: 12 steps per epoch, 2 epochs, 5 tasks.
        Assert.Equal(5 * 2 * 12, samples.Count);
        for (int task = 0; task < 5; task++)
        {
            long[] ofTask = samples.Skip(task * 24).Take(24).ToArray();
            Assert.True(ofTask.Distinct().Count() == 1, $"task {task + 1}: live tensors moved during training: {string.Join(", ", ofTask)}");
        }
        long[] perTask = Enumerable.Range(0, 5).Select(t => samples[t * 24]).ToArray();
        long[] growth = perTask.Zip(perTask.Skip(1), (a, b) => b - a).ToArray();
        // Each task keeps exactly its direction: A and B for q and v in every block (4 x depth 2). The first freeze also
        // creates the frozen stacks (A, B, owner, 1/n per block and projection: 16), reused from then on.
        Assert.True(growth.SequenceEqual([8 + 16, 8, 8, 8]), $"live tensors at the start of each task: {string.Join(", ", perTask)}");
    }

    [Fact]
    public void A_run_cancelled_mid_task_and_resumed_ends_with_the_same_weights()
    {
        string straight = _temporary.File("straight"), interrupted = _temporary.File("interrupted");
        TrainRecipe recipe = Recipe() with { Epochs = 2 };
        Train(recipe, straight);

        using var cancel = new CancellationTokenSource();
        int epochsSeen = 0;
        var stopper = new Recorder(onEpochFinished: _ => { if (++epochsSeen == 3) cancel.Cancel(); });   // task 2, epoch 1 of 2
        Assert.ThrowsAny<OperationCanceledException>(() => Train(recipe, interrupted, stopper, cancel: cancel.Token));
        Assert.False(File.Exists(new RunDirectory(interrupted).TaskCheckpoint(1)));
        var resumed = new Recorder();
        Train(recipe, interrupted, resumed, resume: true);

        Assert.Contains(resumed.Lines, line => line.Contains("at task 2, epoch 1"));
        ContinualCheckpoint a = ContinualCheckpoint.Load(new RunDirectory(straight).TaskCheckpoint(4));
        ContinualCheckpoint b = ContinualCheckpoint.Load(new RunDirectory(interrupted).TaskCheckpoint(4));
        Assert.Equal(a.HeadWeight.Data, b.HeadWeight.Data);
        Assert.Equal(a.Magnitudes(), b.Magnitudes());
        for (int i = 0; i < 5; i++) Assert.Equal(a.Directions()[i].Value[1].B.Data, b.Directions()[i].Value[1].B.Data);
        Assert.Equal(a.Metrics, b.Metrics, MetricsComparer.Instance);
    }

    [Fact]
    public void A_full_fine_tuning_run_cancelled_mid_task_and_resumed_trains_the_backbone_and_ends_bit_identical()
    {
        // The resumed task starts without BeginTask, so the restore must unfreeze the backbone itself (it once did not).
        string straight = _temporary.File("straight"), interrupted = _temporary.File("interrupted");
        TrainRecipe recipe = Recipe(Methods.FullFineTune) with { Epochs = 2 };
        Train(recipe, straight);

        using var cancel = new CancellationTokenSource();
        int epochsSeen = 0;
        var stopper = new Recorder(onEpochFinished: _ => { if (++epochsSeen == 3) cancel.Cancel(); });   // task 2, epoch 1 of 2
        Assert.ThrowsAny<OperationCanceledException>(() => Train(recipe, interrupted, stopper, cancel: cancel.Token));
        Train(recipe, interrupted, resume: true);

        ContinualCheckpoint a = ContinualCheckpoint.Load(new RunDirectory(straight).TaskCheckpoint(4));
        ContinualCheckpoint b = ContinualCheckpoint.Load(new RunDirectory(interrupted).TaskCheckpoint(4));
        Assert.Equal(a.HeadWeight.Data, b.HeadWeight.Data);
        foreach (string name in a.Backbone.Keys) Assert.Equal(a.Backbone[name].Data, b.Backbone[name].Data);
        Assert.Equal(a.Metrics, b.Metrics, MetricsComparer.Instance);
    }

    [Fact]
    public void A_clora_run_cancelled_mid_task_and_resumed_ends_bit_identical()
    {
        string straight = _temporary.File("straight"), interrupted = _temporary.File("interrupted");
        TrainRecipe recipe = Recipe(Methods.CLora) with { Epochs = 2, Clora = new CLoraSettings { Lambda = 0.5 } };
        Train(recipe, straight);

        using var cancel = new CancellationTokenSource();
        int epochsSeen = 0;
        var stopper = new Recorder(onEpochFinished: _ => { if (++epochsSeen == 3) cancel.Cancel(); });   // task 2, epoch 1 of 2
        Assert.ThrowsAny<OperationCanceledException>(() => Train(recipe, interrupted, stopper, cancel: cancel.Token));
        Assert.NotNull(ContinualCheckpoint.Load(new RunDirectory(interrupted).Resume).Routed().Modules[0][0].RoutingDelta);
        Train(recipe, interrupted, resume: true);

        ContinualCheckpoint a = ContinualCheckpoint.Load(new RunDirectory(straight).TaskCheckpoint(4));
        ContinualCheckpoint b = ContinualCheckpoint.Load(new RunDirectory(interrupted).TaskCheckpoint(4));
        Assert.Equal(a.HeadWeight.Data, b.HeadWeight.Data);
        foreach ((RoutedLoraModule x, RoutedLoraModule y) in a.Routed().Modules.SelectMany(m => m).Zip(b.Routed().Modules.SelectMany(m => m)))
        {
            Assert.Equal(x.Down.Data, y.Down.Data);
            Assert.Equal(x.Up.Data, y.Up.Data);
            Assert.Equal(x.RoutingOld.Data, y.RoutingOld.Data);
        }
        Assert.Equal(a.Metrics, b.Metrics, MetricsComparer.Instance);
    }

    [Fact]
    public void Sdlora_kd_that_absorbs_every_module_stores_no_new_factors_and_reports_each_absorb()
    {
        TrainResult kd = Train(Recipe(Methods.SdLoraKd) with { KdThreshold = 1 }, _temporary.File("kd"));
        TrainResult plain = Train(Recipe(), _temporary.File("plain"));
        ContinualCheckpoint last = ContinualCheckpoint.Load(kd.LastCheckpoint);

        Assert.All(last.Directions().Skip(1), d => Assert.Equal(0, d.Parameters));
        Assert.Equal(last.Directions()[0].Parameters + 5 + 2 * 2, kd.Metrics.AdapterParameters);   // + 5 magnitudes + 4 offsets
        Assert.Equal(plain.Metrics.AdapterParameters, 5 * last.Directions()[0].Parameters + 5);
        Assert.Equal([1, 2, 3, 4], kd.Metrics.Absorptions!.Select(a => a.Task));
        Assert.All(kd.Metrics.Absorptions!, a => Assert.Equal((4, 4), (a.Modules, a.Absorbed)));
        Assert.Null(plain.Metrics.Absorptions);
    }

    [Theory]
    [InlineData("before")]   // killed after task 2's last epoch checkpoint, before its directions are fitted
    [InlineData("after")]    // killed right after task 2's absorb, before the task's checkpoint is written
    public void Sdlora_kd_killed_around_an_absorb_and_resumed_ends_bit_identical(string when)
    {
        string straight = _temporary.File("straight"), interrupted = _temporary.File("interrupted");
        TrainRecipe recipe = Recipe(Methods.SdLoraKd) with { KdThreshold = 1 };
        Train(recipe, straight);

        using var cancel = new CancellationTokenSource();
        int epochsSeen = 0;
        var stopper = when == "before"
            ? new Recorder(onEpochFinished: _ => { if (++epochsSeen == 3) cancel.Cancel(); })
            : new Recorder(onMessage: text => { if (text.StartsWith("kd: ", StringComparison.Ordinal)) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Train(recipe, interrupted, stopper, cancel: cancel.Token));
        Assert.False(File.Exists(new RunDirectory(interrupted).TaskCheckpoint(1)));
        Train(recipe, interrupted, resume: true);

        ContinualCheckpoint a = ContinualCheckpoint.Load(new RunDirectory(straight).TaskCheckpoint(4));
        ContinualCheckpoint b = ContinualCheckpoint.Load(new RunDirectory(interrupted).TaskCheckpoint(4));
        Assert.Equal(a.HeadWeight.Data, b.HeadWeight.Data);
        Assert.Equal(a.Magnitudes(), b.Magnitudes());
        Assert.Equal(a.Directions()[0].Offsets, b.Directions()[0].Offsets);
        Assert.Equal(a.Directions()[0].Value[1].B.Data, b.Directions()[0].Value[1].B.Data);
        Assert.Equal(a.Metrics, b.Metrics, MetricsComparer.Instance);
    }

    [Fact]
    public void Starting_over_an_existing_run_or_resuming_with_another_recipe_is_refused()
    {
        string run = _temporary.File("run");
        Train(Recipe() with { TrainPerClass = 8 }, run);

        var again = Assert.Throws<CltoolException>(() => Train(Recipe() with { TrainPerClass = 8 }, run));
        Assert.Contains("--resume", again.Message);
        var other = Assert.Throws<CltoolException>(() => Train(Recipe() with { TrainPerClass = 8, Seed = 5 }, run, resume: true));
        Assert.Contains("another recipe", other.Message);
    }

    [Fact]
    public void Resuming_on_a_base_of_another_architecture_names_both()
    {
        string run = _temporary.File("run");
        Train(Recipe() with { TrainPerClass = 8 }, run);
        var config = TinyBase.Config with { Dim = 16 };
        new Cltool.Core.Models.ModelFile(config, Cltool.Core.Imaging.Preprocessing.Native(16), [], RandomViT.Weights(config, 1)).Save(_base);

        var error = Assert.Throws<CltoolException>(() => Train(Recipe() with { TrainPerClass = 8 }, run, resume: true));
        Assert.Contains("dim 32", error.Message);
        Assert.Contains("dim 16", error.Message);
    }

    [Fact]
    public void A_ca_run_stores_class_statistics_and_scores_every_head_option_on_a_backbone_identical_to_a_none_run()
    {
        string none = _temporary.File("none"), aligned = _temporary.File("ca");
        TrainResult plain = Train(Recipe(), none);
        TrainResult calibrated = Train(Recipe() with { HeadAlign = HeadAlignments.ClassifierAlign }, aligned);

        var run = new RunDirectory(aligned);
        for (int t = 0; t < 5; t++)
        {
            ClassStatistics statistics = ClassStatistics.Load(run.Statistics(t), Recipe() with { HeadAlign = HeadAlignments.ClassifierAlign }, t);
            Assert.Equal([2, 32], statistics.Means.Shape);
            Assert.Equal([2, 32, 32], statistics.Covariances.Shape);
        }
        Assert.False(Directory.Exists(new RunDirectory(none).StatisticsDirectory));
        Assert.Equal(5 * sizeof(float) * (2 * 32 + 2 * 32 * 32), calibrated.Metrics.StatisticsBytes);
        Assert.Equal(HeadAlignments.ClassifierAlign, calibrated.Metrics.HeadAlign);
        Assert.Equal([HeadAlignments.None, HeadAlignments.WeightAlign, HeadAlignments.ClassifierAlignRestored], calibrated.Metrics.Alternatives!.Keys);
        Assert.Equal([HeadAlignments.WeightAlign], plain.Metrics.Alternatives!.Keys);

        // The masked loss never reads old rows, so the backbone trains identically and the 'none' head scored inside the
        // ca run is exactly the head, and the scores, of a run that never aligned.
        ContinualCheckpoint a = ContinualCheckpoint.Load(new RunDirectory(none).TaskCheckpoint(4));
        ContinualCheckpoint b = ContinualCheckpoint.Load(run.TaskCheckpoint(4));
        for (int i = 0; i < 5; i++) Assert.Equal(a.Directions()[i].Query[0].A.Data, b.Directions()[i].Query[0].A.Data);
        Assert.Equal(a.Magnitudes(), b.Magnitudes());
        Assert.Equal(a.HeadWeight.Data, b.Heads[HeadAlignments.None].Weight.Data);
        Assert.Equal(b.Heads[HeadAlignments.ClassifierAlign].Weight.Data, b.HeadWeight.Data);
        Assert.NotEqual(a.HeadWeight.Data, b.HeadWeight.Data);
        Assert.Equal(plain.Metrics with { Alternatives = null, HeadAlign = null, Costs = null }, calibrated.Metrics.Alternatives[HeadAlignments.None], MetricsComparer.Instance);
        Assert.Equal(plain.Metrics.Costs!.Select(c => c.Parameters), calibrated.Metrics.Costs!.Select(c => c.Parameters), new ParametersComparer());
        Assert.Equal(plain.Metrics.Alternatives[HeadAlignments.WeightAlign], calibrated.Metrics.Alternatives[HeadAlignments.WeightAlign], MetricsComparer.Instance);
        // Task-id accuracy can only exceed class-incremental accuracy (a right answer is in the right task).
        Assert.True(calibrated.Metrics.TaskId!.Acc >= calibrated.Metrics.Acc);
        Assert.Equal(5, calibrated.Metrics.WhenLearned!.Length);
    }

    [Fact]
    public void A_ca_run_killed_during_alignment_and_resumed_ends_bit_identical()
    {
        string straight = _temporary.File("straight"), interrupted = _temporary.File("interrupted");
        TrainRecipe recipe = Recipe() with { HeadAlign = HeadAlignments.ClassifierAlign };
        Train(recipe, straight);

        using var cancel = new CancellationTokenSource();
        // The run stops inside alignment, right after storing task 3's statistics.
        var stopper = new Recorder(onMessage: text => { if (text.StartsWith("task 3: class statistics stored", StringComparison.Ordinal)) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Train(recipe, interrupted, stopper, cancel: cancel.Token));
        var run = new RunDirectory(interrupted);
        Assert.True(File.Exists(run.Statistics(2)));
        Assert.False(File.Exists(run.TaskCheckpoint(2)));
        Train(recipe, interrupted, resume: true);

        ContinualCheckpoint a = ContinualCheckpoint.Load(new RunDirectory(straight).TaskCheckpoint(4));
        ContinualCheckpoint b = ContinualCheckpoint.Load(run.TaskCheckpoint(4));
        Assert.Equal(a.HeadWeight.Data, b.HeadWeight.Data);
        Assert.Equal(a.HeadBias.Data, b.HeadBias.Data);
        foreach (string option in a.Heads.Keys) Assert.Equal(a.Heads[option].Weight.Data, b.Heads[option].Weight.Data);
        Assert.Equal(a.Metrics, b.Metrics, MetricsComparer.Instance);
    }

    [Fact]
    public void A_drift_compensated_run_scores_every_compensation_on_one_backbone_and_resumes_bit_identical_from_inside_a_task_or_alignment()
    {
        string plain = _temporary.File("plain"), straight = _temporary.File("straight"), interrupted = _temporary.File("interrupted");
        TrainRecipe aligned = Recipe() with { HeadAlign = HeadAlignments.ClassifierAlign, Epochs = 2 };
        TrainRecipe recipe = aligned with { HeadAlignCompensation = DriftCompensations.Linear };
        Train(aligned, plain);
        TrainResult result = Train(recipe, straight);

        Assert.Equal("ca+linear", result.Metrics.HeadAlign);
        Assert.Equal(["none", "wa", "ca", "ca-restore", "ca+mean-shift", "ca-restore+mean-shift", "ca-restore+linear"], result.Metrics.Alternatives!.Keys);
        var run = new RunDirectory(straight);
        Assert.False(File.Exists(run.Embeddings(0, TaskEmbeddings.Before)));
        for (int t = 1; t < 5; t++)
        {
            Assert.Equal([48, 32], TaskEmbeddings.Load(run, recipe, t, TaskEmbeddings.Before).Features.Shape);
            Assert.Equal([48, 32], TaskEmbeddings.Load(run, recipe, t, TaskEmbeddings.After).Features.Shape);
        }
        // The uncompensated options are exactly a plain ca run's (same backbone, statistics and alignment noise); the
        // compensations move the statistics, so their heads differ.
        ContinualCheckpoint a = ContinualCheckpoint.Load(new RunDirectory(plain).TaskCheckpoint(4));
        ContinualCheckpoint b = ContinualCheckpoint.Load(run.TaskCheckpoint(4));
        Assert.Equal(a.Heads["ca"].Weight.Data, b.Heads["ca"].Weight.Data);
        Assert.Equal(a.Heads["ca-restore"].Weight.Data, b.Heads["ca-restore"].Weight.Data);
        Assert.Equal(b.Heads["ca+linear"].Weight.Data, b.HeadWeight.Data);
        Assert.NotEqual(b.Heads["ca"].Weight.Data, b.Heads["ca+linear"].Weight.Data);
        Assert.NotEqual(b.Heads["ca"].Weight.Data, b.Heads["ca+mean-shift"].Weight.Data);

        // Killed inside task 3 (after its embeddings before training), then inside task 4's alignment.
        using (var cancel = new CancellationTokenSource())
        {
            int epochsSeen = 0;
            var stopper = new Recorder(onEpochFinished: _ => { if (++epochsSeen == 5) cancel.Cancel(); });   // task 3, epoch 1 of 2
            Assert.ThrowsAny<OperationCanceledException>(() => Train(recipe, interrupted, stopper, cancel: cancel.Token));
        }
        var directory = new RunDirectory(interrupted);
        string before = directory.Embeddings(2, TaskEmbeddings.Before);
        File.Move(before, before + ".away");
        var missing = Assert.Throws<CltoolException>(() => Train(recipe, interrupted, resume: true));
        Assert.Contains("task-03.before.safetensors' is missing", missing.Message);
        File.Move(before + ".away", before);
        using (var cancel = new CancellationTokenSource())
        {
            var stopper = new Recorder(onMessage: text => { if (text.StartsWith("task 4: class statistics stored", StringComparison.Ordinal)) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => Train(recipe, interrupted, stopper, resume: true, cancel: cancel.Token));
        }
        Assert.False(File.Exists(directory.TaskCheckpoint(3)));
        Train(recipe, interrupted, resume: true);

        ContinualCheckpoint c = ContinualCheckpoint.Load(directory.TaskCheckpoint(4));
        foreach (string option in b.Heads.Keys) Assert.Equal(b.Heads[option].Weight.Data, c.Heads[option].Weight.Data);
        Assert.Equal(b.Metrics, c.Metrics, MetricsComparer.Instance);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sdlora_with_old_magnitudes_frozen_keeps_them_as_carried_or_as_reset_at_every_later_stage(bool carry)
    {
        string run = _temporary.File($"levers-{carry}");
        Train(Recipe() with { CarryMagnitudes = carry, OldMagnitudeLrFactor = 0 }, run);
        var directory = new RunDirectory(run);
        double[][] stages = Enumerable.Range(0, 5).Select(t => ContinualCheckpoint.Load(directory.TaskCheckpoint(t)).Magnitudes()).ToArray();

        for (int t = 1; t < 5; t++)
        {
            // The magnitude each task trained for its own direction is carried unchanged, or reset to 0.8 and held there.
            double[] expected = carry ? stages[t - 1] : Enumerable.Repeat((double)(float)0.8, t).ToArray();
            Assert.Equal(expected, stages[t].Take(t));
            Assert.NotEqual((double)(float)0.8, stages[t][t]);   // the current direction's magnitude still trains
        }
    }

    [Fact]
    public void Resuming_a_ca_run_without_its_statistics_or_with_another_runs_is_refused_and_overwrites_nothing()
    {
        TrainRecipe recipe = Recipe() with { TrainPerClass = 8, HeadAlign = HeadAlignments.ClassifierAlign };
        string run = _temporary.File("run"), other = _temporary.File("other");
        using var cancel = new CancellationTokenSource();
        int epochsSeen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Train(recipe, run, new Recorder(onEpochFinished: _ => { if (++epochsSeen == 4) cancel.Cancel(); }), cancel: cancel.Token));
        Train(recipe with { Seed = 5 }, other);
        var directory = new RunDirectory(run);
        byte[] resumeBefore = File.ReadAllBytes(directory.Resume);

        File.Delete(directory.Statistics(0));
        var missing = Assert.Throws<CltoolException>(() => Train(recipe, run, resume: true));
        Assert.Contains("task-01.safetensors' is missing", missing.Message);

        File.Copy(new RunDirectory(other).Statistics(0), directory.Statistics(0));
        var foreign = Assert.Throws<CltoolException>(() => Train(recipe, run, resume: true));
        Assert.Contains("another run", foreign.Message);
        Assert.Equal(resumeBefore, File.ReadAllBytes(directory.Resume));
        Assert.False(File.Exists(directory.TaskCheckpoint(2)));
    }

    /// <summary>The report with every option's alignment seconds and each task's training seconds zeroed: wall-clock time and the process's peak memory are what a rerun may not repeat.</summary>
    static MetricsReport WithoutMeasurements(MetricsReport report) => report with
    {
        HeadAlignSeconds = 0,
        Costs = report.Costs?.Select(cost => cost with { TrainingSeconds = 0, PeakResidentMegabytes = null }).ToArray(),
        Alternatives = report.Alternatives?.ToDictionary(pair => pair.Key, pair => WithoutMeasurements(pair.Value)),
    };

    /// <summary>Parameter groups compared by value (records holding arrays compare their references).</summary>
    sealed class ParametersComparer : IEqualityComparer<ParameterGroup[]>
    {
        public bool Equals(ParameterGroup[]? x, ParameterGroup[]? y) => x is not null && y is not null && x.SequenceEqual(y);
        public int GetHashCode(ParameterGroup[] obj) => 0;
    }

    static double Norm(float[] values) => Math.Sqrt(values.Sum(v => (double)v * v));

    /// <summary>InfLoRA factors compared number for number (records holding arrays compare their references).</summary>
    sealed class InfLoraFactorsComparer : IEqualityComparer<InfLoraFactors>
    {
        public static readonly InfLoraFactorsComparer Instance = new();
        public bool Equals(InfLoraFactors? x, InfLoraFactors? y) => x is not null && y is not null &&
            x.Down.Data.SequenceEqual(y.Down.Data) && x.KeyUp.Data.SequenceEqual(y.KeyUp.Data) && x.ValueUp.Data.SequenceEqual(y.ValueUp.Data);
        public int GetHashCode(InfLoraFactors obj) => 0;
    }

    /// <summary>Reports equal in every number but wall-clock seconds, which no rerun repeats (wa's are often 0.000, not always).</summary>
    sealed class MetricsComparer : IEqualityComparer<MetricsReport?>
    {
        public static readonly MetricsComparer Instance = new();
        public bool Equals(MetricsReport? x, MetricsReport? y) =>
            Cltool.Core.Models.CltoolJson.Serialize(x is null ? null : WithoutMeasurements(x)) == Cltool.Core.Models.CltoolJson.Serialize(y is null ? null : WithoutMeasurements(y));
        public int GetHashCode(MetricsReport? obj) => 0;
    }
}
