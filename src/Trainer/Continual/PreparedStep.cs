using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Trainer.Adapters.Directions;
using Cltool.Trainer.Models;
using Cltool.Trainer.Optim;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// The learner's own training step for one method after some tasks, prepared once so that a benchmark can time
/// configurations in interleaved rounds: the method prepares every task as the learner does (head growth, directions
/// frozen, magnitudes), trains exactly its trainable set, and the step is the learner's (new-class cross-entropy, SGD)
/// on random images.
/// </summary>
public sealed class PreparedStep : IDisposable
{
    readonly VisionTransformer _vit;
    readonly ContinualModel _model;
    readonly Sgd _optimizer;
    readonly TrainingStep _step;
    readonly Tensor _images, _labels;
    readonly int _known, _increment;

    public string Method { get; }
    /// <summary>Directions the adapter holds (0 without an adapter).</summary>
    public int Directions { get; }
    public int BatchSize { get; }
    /// <summary>Analytic FLOPs of one image's step, in GFLOP.</summary>
    public double GflopPerImage { get; }

    public PreparedStep(string method, ViTConfig config, int directions, int rank, int batchSize, Device device)
    {
        var recipe = new TrainRecipe { Method = method, Rank = rank, InitClasses = 2, Increment = 2 };
        var continual = ContinualMethod.For(recipe);
        _vit = new VisionTransformer(config.WithClasses(0));
        _model = new ContinualModel(config, _vit.ExportWeights(), continual.CreateAdapter(ContinualModel.ShapeOf(config), device), device);
        bool adapted = _model.Adapter is not null;
        int tasks = adapted ? directions : 1;
        _images = randn(batchSize, 3, config.ImageSize, config.ImageSize).to(device);
        var inputs = new RandomImageInputs(_model, _images, tasks);
        for (int task = 0; task < tasks; task++)
        {
            using var generator = new Generator((ulong)task + 1, CPU);
            _model.GrowHead(recipe.Increment, generator);
            continual.BeginTask(task, _model, generator, inputs);
            if (task < tasks - 1) continual.EndTask(task, _model, inputs);
        }
        var parameters = continual.Trainable(_model).ToList();
        _optimizer = new Sgd(parameters, recipe.Momentum, recipe.WeightDecay);
        _step = new TrainingStep(_optimizer, parameters.Select(p => p.Parameter).ToArray());
        _labels = randint(0, recipe.Increment, [batchSize]).to(device);
        _known = _model.SeenClasses - recipe.Increment;
        _increment = recipe.Increment;
        _model.Train();
        Method = method;
        Directions = (_model.Adapter as LoraQkvAdapter)?.Count ?? 0;
        BatchSize = batchSize;
        GflopPerImage = (adapted ? 2 : 3) * TrainStepBenchmark.ForwardFlops(config, _model.Adapter?.ForwardRank ?? 0) / 1e9;
    }

    /// <summary>One untimed warm-up step, then <paramref name="steps"/> timed ones.</summary>
    public StepTiming Time(int steps)
    {
        Run(null);
        var phases = new StepPhases();
        for (int i = 0; i < steps; i++) Run(phases);
        TimeSpan total = phases.Forward + phases.Backward + phases.Update;
        return new StepTiming((double)BatchSize * steps / total.TotalSeconds, phases.Forward.TotalMilliseconds / steps,
            phases.Backward.TotalMilliseconds / steps, phases.Update.TotalMilliseconds / steps);
    }

    /// <summary>The loss of each of <paramref name="steps"/> untimed steps: bit-identical between two steps prepared alike, which the stress harness checks.</summary>
    public double[] Losses(int steps) => Enumerable.Range(0, steps).Select(_ => Run(null)).ToArray();

    double Run(StepPhases? phases) => _step.Run(() => _model.NewClassLoss(_images, _labels, _known, _increment), 1e-3, phases);

    public void Dispose()
    {
        _images.Dispose();
        _labels.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
        _vit.Dispose();
    }
}
