using System.Diagnostics;
using Cltool.Core;
using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Core.Reports;
using Cltool.Core.Weights;
using Cltool.Trainer.Continual.Heads;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using Cltool.Trainer.Optim;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// The class-incremental task loop shared by every method: grow the head, let the method prepare the task, train on
/// the task's classes with cross-entropy over the new classes' logits only, evaluate on every class seen so far, write
/// the task's checkpoint. Data order, augmentation and every random initialisation derive from (seed, task, epoch), so a
/// run resumed from its last epoch checkpoint ends with the same weights as an uninterrupted one.
/// </summary>
public sealed class ContinualLearner(TrainRecipe recipe, string runDirectory, ITrainingObserver observer, int workers = 2)
{
    const int GoldenImages = 16;
    readonly RunDirectory _run = new(runDirectory);
    readonly ContinualMethod _method = ContinualMethod.For(recipe);
    RunManifest? _manifest;

    public TrainResult Run(bool resume, DeviceKind deviceKind = DeviceKind.Auto, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        IImageDataset train = DatasetCatalog.Open(recipe.Data, DatasetSplit.Train);
        IImageDataset test = DatasetCatalog.Open(recipe.Data, DatasetSplit.Test);
        Scenario scenario = recipe.CreateScenario(train.ClassNames.Count);
        BaseModel baseModel = BaseModel.Load(recipe);
        if (_method.ProblemWith(baseModel.Config) is { } problem) throw new CltoolException($"Recipe: {problem}.");
        ContinualCheckpoint? state = resume ? LoadResumeState(baseModel.Config) : null;
        if (state is null) StartRun(scenario, train.ClassNames, overwrite: resume);
        Device device = TorchDevices.Resolve(deviceKind, observer.Message);
        _manifest = state is null ? StartManifest(scenario, baseModel, device) : RunManifest.Read(_run);

        var data = new TaskData(recipe, scenario, train, test, baseModel.Preprocessing, workers);
        using var model = new ContinualModel(baseModel.Config, state?.Backbone ?? baseModel.Weights,
                                             _method.CreateAdapter(ContinualModel.ShapeOf(baseModel.Config), device), device);
        var heads = new HeadLineages(recipe, state?.Heads ?? new Dictionary<string, LinearHead>());
        RunScores scores = RunScores.Start(heads.Options, scenario.Tasks, state?.Metrics);
        // The class statistics of every finished task, read once on --resume (a missing or foreign file fails here) and
        // then grown by one task at a time.
        StatisticsLineages statistics = state is null ? StatisticsLineages.Of(recipe) : LoadStatistics(scores.Completed);
        if (state is not null)
        {
            RequireHeadsOf(state, heads);
            model.SetHead(state.HeadWeight, state.HeadBias);
            _method.Restore(state, model, training: true);
            observer.Message($"resumed {_run.Path} at task {state.Task + 1}, epoch {state.CompletedEpochs}");
        }

        for (int task = state?.Task ?? 0; task < scenario.Tasks; task++)
        {
            // A resume checkpoint written at the end of a task (its evaluation recorded) starts the loop at that task: skip it.
            if (scores.Completed > task) continue;
            bool continuing = state is not null && task == state.Task;
            observer.Message($"task {task + 1}/{scenario.Tasks}: classes {string.Join(", ", data.ClassNamesOf(task))}");
            Embedded? before = EmbedBeforeTask(task, continuing, model, data, device);
            if (!continuing)
            {
                if (heads.Carried is { } carried) model.SetHead(carried.Weight, carried.Bias);
                // `using` roots each generator until its draws have returned (see Scalars: an argument reachable only
                // through the call in progress can be finalized during it).
                using Generator headRows = NewGenerator(task, RandomStreams.HeadRows), direction = NewGenerator(task, RandomStreams.Direction);
                model.GrowHead(scenario.TaskSizes[task], headRows);
                _method.BeginTask(task, model, direction, Inputs(task, model, data, device));
            }
            ParameterGroup[] atStart = ParameterCensus.Of(model, _method.Trainable(model).Select(p => p.Parameter));
            TrainTask(task, model, data, baseModel, scores, heads, continuing ? state : null, device, cancellation);
            cancellation.ThrowIfCancellationRequested();   // the last epoch's checkpoint holds the trained task: nothing is lost
            if (_method.EndTask(task, model, Inputs(task, model, data, device)) is { } report)
            {
                scores.AddMethodReport(report);
                observer.Message(report.Describe());
            }
            ParameterGroup[] parameters = ParameterCensus.OfTask(atStart, ParameterCensus.Of(model, []));
            scores.SetParameters(task, parameters);
            observer.Message($"task {task + 1} parameters, trainable / stored: {ParameterGroups.Describe(parameters)}");
            AlignHeads(task, model, data, heads, scores, statistics, before, device, cancellation);
            using (NewDisposeScope()) scores.Record(task, data.Evaluate(task, model, heads.OnDevice(device), device));
            scores.SetPeakMemory(task, ProcessMemory.PeakResidentMegabytes());
            using (NewDisposeScope())
            {
                ContinualCheckpoint done = Snapshot(model, baseModel, scenario, train.ClassNames, task, recipe.EpochsOf(task), scores.ToReport(), heads, optimizer: null)
                    with
                { Golden = GoldenBatchOf(model, data, device) };
                done.Save(_run.TaskCheckpoint(task));
                done.Save(_run.Resume);
            }
            WriteReports(scores);
            MemoryRelease.AtBoundary();
            observer.Message($"task {task + 1} done: accuracy on the {scenario.SeenAfter(task)} classes seen so far {scores.Selected.ClassIncremental.AccuracyAfter(task):P2}");
        }

        string last = _run.TaskCheckpoint(scenario.Tasks - 1);
        ContinualCheckpoint.Load(last).Golden!.Save(_run.Golden, FileHash.Sha256(last));
        return new TrainResult(scores.ToReport(), last, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Measures and stores the task's class statistics when the recipe's alignment samples from them (with the task's
    /// embeddings after training when it compensates drift), then aligns every tracked head; each option is charged its
    /// own alignment seconds, the statistics' seconds if it needs them and the embedding seconds if it compensates.
    /// </summary>
    void AlignHeads(int task, ContinualModel model, TaskData data, HeadLineages heads, RunScores scores, StatisticsLineages statistics,
                    Embedded? before, Device device, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        if (HeadAlignments.NeedsStatistics(recipe.HeadAlign))
        {
            (Tensor features, long[] positions) = data.ClassFeatures(task, model, device);
            ClassStatistics measured;
            TaskEmbeddings? after = before is null ? null : EmbeddingsOf(task, TaskEmbeddings.After, features);
            using (features) measured = FeatureStatistics.Estimate(features, positions, data.Scenario.TaskSizes[task], recipe.HeadAlignCovariance, task);
            after?.Save(_run, recipe);
            measured.Save(_run.Statistics(task), recipe);
            observer.Message($"task {task + 1}: class statistics stored in {_run.Statistics(task)}; aligning the heads");
            statistics.Add(measured, before is null ? null : (before.Embeddings, after!));
            scores.StatisticsBytes = statistics.Bytes;
        }
        double statisticsSeconds = clock.Elapsed.TotalSeconds;
        cancellation.ThrowIfCancellationRequested();
        clock.Restart();
        Dictionary<string, double> alignmentSeconds = heads.Finish(task, model, data.Scenario, statistics);
        double alignmentTotal = clock.Elapsed.TotalSeconds;
        foreach ((string option, double seconds) in alignmentSeconds)
            scores.AddSeconds(option, seconds + (HeadAlignments.NeedsStatistics(option) ? statisticsSeconds : 0)
                                              + (HeadAlignments.CompensationOf(option) != DriftCompensations.None ? before?.Seconds ?? 0 : 0));
        if (HeadAlignments.NeedsStatistics(recipe.HeadAlign))
            observer.Message($"task {task + 1}: {(before is null ? "" : $"embedding before the task {before.Seconds:F1} s, ")}" +
                             $"class statistics {statisticsSeconds:F1} s, alignment {alignmentTotal:F1} s");
    }

    /// <summary>
    /// The task's training images embedded by the model before the task trains, when the run compensates drift (from the
    /// second task on): measured and stored when the task starts, read back when a resumed run continues inside the task.
    /// </summary>
    Embedded? EmbedBeforeTask(int task, bool continuing, ContinualModel model, TaskData data, Device device)
    {
        if (!recipe.CompensatesDrift || task == 0) return null;
        if (continuing) return new Embedded(TaskEmbeddings.Load(_run, recipe, task, TaskEmbeddings.Before), 0);
        var clock = Stopwatch.StartNew();
        (Tensor features, _) = data.ClassFeatures(task, model, device);
        TaskEmbeddings before;
        using (features) before = EmbeddingsOf(task, TaskEmbeddings.Before, features);
        before.Save(_run, recipe);
        return new Embedded(before, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The statistics pass's float64 features as the float32 embeddings they exactly are (the model computes in float32).</summary>
    static TaskEmbeddings EmbeddingsOf(int task, string stage, Tensor features)
    {
        using var scope = NewDisposeScope();
        return new TaskEmbeddings(task, stage, HostTensors.From(features.to(float32)));
    }

    /// <summary>The statistics of the first <paramref name="tasks"/> tasks (none unless the recipe's alignment samples them), compensations replayed.</summary>
    StatisticsLineages LoadStatistics(int tasks) => HeadAlignments.NeedsStatistics(recipe.HeadAlign)
        ? StatisticsLineages.Load(_run, recipe, tasks)
        : StatisticsLineages.Of(recipe);

    /// <summary>A checkpoint past its first task must carry the heads this run tracks (older cltool versions wrote none).</summary>
    static void RequireHeadsOf(ContinualCheckpoint state, HeadLineages heads)
    {
        bool pastFirstTask = state.Task > 0 || state.TaskComplete;
        string[] missing = heads.Options.Where(option => !state.Heads.ContainsKey(option)).ToArray();
        if (pastFirstTask && missing.Length > 0)
            throw new CltoolException($"The resume checkpoint has no head for the option(s) {string.Join(", ", missing)} this run tracks " +
                                      "(written by an older cltool); start the run again without --resume, or in another --out.");
    }

    void TrainTask(int task, ContinualModel model, TaskData data, BaseModel baseModel, RunScores scores, HeadLineages heads,
                   ContinualCheckpoint? resumeFrom, Device device, CancellationToken cancellation)
    {
        int epochs = _method.Trains ? recipe.EpochsOf(task) : 0;
        int firstEpoch = resumeFrom?.CompletedEpochs ?? 0;
        if (firstEpoch >= epochs) return;
        var parameters = _method.Trainable(model).ToList();
        using IOptimizer optimizer = CreateOptimizer(parameters);
        var trainingStep = new TrainingStep(optimizer, parameters.Select(p => p.Parameter).ToArray());
        if (resumeFrom is not null)
            optimizer.LoadState(name => resumeFrom.OptimizerState.TryGetValue(name, out HostTensor? host)
                ? tensor(host.Data, host.Shape).to(device) : null, resumeFrom.OptimizerSteps);

        BatchLoader loader = data.TrainLoader(task);
        int known = data.Scenario.KnownBefore(task), fresh = data.Scenario.TaskSizes[task];
        int steps = loader.BatchCount(dropLast: false);
        for (int epoch = firstEpoch; epoch < epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            double learningRate = recipe.LearningRateAt(task, epoch);
            observer.EpochStarted(epoch, epochs, steps);
            model.Train();
            var clock = Stopwatch.StartNew();
            double totalLoss = 0;
            int step = 0, images = 0;
            foreach (Batch batch in loader.Epoch(DeterministicRandom.Seed(recipe.Seed, task), epoch, shuffle: true, dropLast: false, cancellation))
            {
                double loss = trainingStep.Run(() => WithPenalty(model, model.NewClassLoss(batch.Pixels(baseModel.Config.ImageSize, device),
                    tensor(data.PositionsOf(batch, offset: known)).to(device), known, fresh)), learningRate);
                totalLoss += loss;
                images += batch.Count;
                observer.StepFinished(epoch, ++step, steps, loss, learningRate, images / clock.Elapsed.TotalSeconds);
            }
            scores.AddTrainingSeconds(task, clock.Elapsed.TotalSeconds);
            using (NewDisposeScope()) Snapshot(model, baseModel, data.Scenario, data.ClassNames, task, epoch + 1, scores.ToReport(), heads, optimizer).Save(_run.Resume);
            MemoryRelease.AtBoundary();
            observer.EpochFinished(epoch, totalLoss / Math.Max(1, step), double.NaN, clock.Elapsed.TotalSeconds);
        }
    }

    TaskInputs Inputs(int task, ContinualModel model, TaskData data, Device device) => new(data, task, model, device, recipe.Seed);

    /// <summary>The task's loss plus the method's penalty, if it has one.</summary>
    Tensor WithPenalty(ContinualModel model, Tensor loss) => _method.Penalty(model) is { } penalty ? loss.add(penalty, Scalars.One) : loss;

    IOptimizer CreateOptimizer(IReadOnlyList<(string Name, Tensor Parameter)> parameters) => recipe.Optimizer switch
    {
        "sgd" => new Sgd(parameters, recipe.Momentum, recipe.WeightDecay),
        _ => new AdamW([new AdamW.Group(parameters, recipe.WeightDecay)]),
    };

    Generator NewGenerator(int task, long stream) => new((ulong)DeterministicRandom.Seed(recipe.Seed, task, stream), CPU);

    ContinualCheckpoint Snapshot(ContinualModel model, BaseModel baseModel, Scenario scenario, IReadOnlyList<string> classNames, int task,
                                 int completedEpochs, MetricsReport metrics, HeadLineages heads, IOptimizer? optimizer)
    {
        return new ContinualCheckpoint
        {
            Recipe = recipe,
            Config = baseModel.Config,
            Preprocessing = baseModel.Preprocessing,
            ClassNames = classNames.ToArray(),
            Scenario = scenario,
            Task = task,
            CompletedEpochs = completedEpochs,
            BaseSha256 = baseModel.Sha256,
            Run = _manifest,
            Backbone = model.Backbone.ExportWeights(),
            HeadWeight = HostTensors.From(model.HeadWeight),
            HeadBias = HostTensors.From(model.HeadBias),
            Heads = heads.Heads.ToDictionary(),
            Metrics = metrics,
            OptimizerState = optimizer?.State().ToDictionary(s => s.Name, s => HostTensors.From(s.Value)) ?? new Dictionary<string, HostTensor>(),
            OptimizerSteps = optimizer?.Steps ?? 0,
            Adapter = model.Adapter?.State(),
        };
    }

    /// <summary>Writes the recipe and class order of a new run; refuses a directory that holds a run unless resuming found nothing.</summary>
    void StartRun(Scenario scenario, IReadOnlyList<string> classNames, bool overwrite)
    {
        if (_run.HasRun && !overwrite)
            throw new CltoolException($"'{_run.Path}' already holds a run; continue it with --resume or choose another --out.");
        Directory.CreateDirectory(_run.Path);
        AtomicFile.WriteAllText(_run.Recipe, CltoolJson.Serialize(recipe) + "\n");
        AtomicFile.WriteAllText(_run.ClassOrder, CltoolJson.Serialize(ClassOrderFile.From(recipe, scenario, classNames)) + "\n");
    }

    /// <summary>The new run's manifest, written as run.json next to the recipe.</summary>
    RunManifest StartManifest(Scenario scenario, BaseModel baseModel, Device device)
    {
        var manifest = new RunManifest(recipe, recipe.Seed, scenario.Order.ToArray(), DatasetCatalog.Identify(recipe.Data), recipe.Model ?? recipe.Base,
            baseModel.Sha256, RunEnvironment.Here(device.type.ToString().ToLowerInvariant(), get_num_threads(), TorchThreads.Current?.Describe()), DateTime.UtcNow);
        manifest.Write(_run);
        return manifest;
    }

    ContinualCheckpoint? LoadResumeState(ViTConfig config)
    {
        if (!File.Exists(_run.Resume))
        {
            observer.Message($"nothing to resume in {_run.Path}; starting the run");
            return null;
        }
        ContinualCheckpoint state = ContinualCheckpoint.Load(_run.Resume);
        if (!state.Recipe.SameAs(recipe))
            throw new CltoolException($"'{_run.Resume}' was made with another recipe ({CltoolJson.Serialize(state.Recipe).ReplaceLineEndings(" ")}); " +
                                      "resume with the same recipe and options, or use another --out.");
        if (state.Config != config)
            throw new CltoolException($"'{_run.Resume}' holds a {state.Config.Describe()} but the base model is a {config.Describe()}.");
        return state;
    }

    void WriteReports(RunScores scores)
    {
        AccuracyMatrix matrix = scores.Selected.ClassIncremental;
        AtomicFile.WriteAllText(_run.Metrics, CltoolJson.Serialize(scores.ToReport()) + "\n");
        AtomicFile.WriteAllText(_run.MatrixCsv, matrix.ToCsv());
        string title = $"{recipe.Method} on {recipe.Data}, seed {recipe.Seed}";
        AccuracyPlots.Heatmap(matrix, title, _run.MatrixPng);
        static double[] Curve(AccuracyMatrix m) => Enumerable.Range(0, m.Completed).Select(m.AccuracyAfter).ToArray();
        var series = scores.All.Select(pair => ($"Acc, head {pair.Option}", Curve(pair.Scores.ClassIncremental))).ToList();
        series.Add(("task id given", Curve(scores.Selected.TaskAware)));
        series.Add(("task-id accuracy", Curve(scores.Selected.TaskId)));
        series.Add(("new classes, just learned", matrix.WhenLearned));
        AccuracyPlots.Curves(series, $"{title}: Acc {matrix.Last:P1}, AAA {matrix.AverageAnytime:P1}", _run.CurvePng);
    }

    /// <summary>A few preprocessed test images and this stage's logits: the exporter's parity check needs no libtorch.</summary>
    static GoldenBatch GoldenBatchOf(ContinualModel model, TaskData data, Device device)
    {
        (float[] pixels, int[] indices) = data.GoldenImages(GoldenImages);
        long[] shape = [indices.Length, 3, data.ImageSize, data.ImageSize];
        model.Eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        HostTensor logits = HostTensors.From(model.Forward(tensor(pixels, shape).to(device)));
        return new GoldenBatch(new HostTensor(pixels, shape), logits, indices);
    }
}
