using System.Diagnostics;
using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Trainer.Models;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual.Heads;

/// <summary>
/// The head of every alignment option a run tracks, task after task. The recipe's option is the model's head (checkpointed,
/// exported); the others are scored on the same backbone at no training cost. That is exact because the masked loss reads
/// only the new rows: old rows never change the backbone's training, so a run with another option trains the same backbone
/// and differs only in its head. With weight decay the old rows would decay unread, so only the recipe's option and the one
/// it carries are tracked then.
/// </summary>
public sealed class HeadLineages(TrainRecipe recipe, IReadOnlyDictionary<string, LinearHead> restored)
{
    readonly Dictionary<string, LinearHead> _heads = new(restored);

    public string Selected => recipe.HeadOption;

    /// <summary>The options scored, the recipe's first.</summary>
    public IReadOnlyList<string> Options { get; } = Tracked(recipe);

    /// <summary>Each option's head after the last finished task (empty before the first).</summary>
    public IReadOnlyDictionary<string, LinearHead> Heads => _heads;

    /// <summary>The head the next task grows from: the old rows of the recipe's option's carried head.</summary>
    public LinearHead? Carried => _heads.GetValueOrDefault(HeadAlignments.CarriedFrom(Selected));

    static string[] Tracked(TrainRecipe recipe)
    {
        string selected = recipe.HeadOption;
        if (!MethodCatalog.Of(recipe.Method).TrainsHead) return [selected];
        if (recipe.WeightDecay != 0) return new[] { selected, HeadAlignments.CarriedFrom(selected) }.Distinct().ToArray();
        string[] free = [HeadAlignments.None, HeadAlignments.WeightAlign];
        string[] compensations = recipe.CompensatesDrift ? DriftCompensations.All : [DriftCompensations.None];
        string[] sampled = HeadAlignments.NeedsStatistics(selected)
            ? compensations.SelectMany(c => new[] { HeadAlignments.ClassifierAlign, HeadAlignments.ClassifierAlignRestored }
                .Select(alignment => HeadAlignments.Compensated(alignment, c))).ToArray()
            : [];
        return new[] { selected }.Concat(free).Concat(sampled).Distinct().ToArray();
    }

    /// <summary>
    /// Finishes task <paramref name="task"/>: every option's head is its carried old rows (the model's own where the model
    /// trained from them) plus the model's trained new rows, then aligned; the model takes the recipe's option's head.
    /// Returns the seconds each option's alignment took (the sampled options are aligned together, each charged the whole).
    /// </summary>
    public Dictionary<string, double> Finish(int task, ContinualModel model, Scenario scenario, StatisticsLineages statistics)
    {
        int known = scenario.KnownBefore(task);
        LinearHead trained = new(HostTensors.From(model.HeadWeight), HostTensors.From(model.HeadBias));
        string modelCarries = HeadAlignments.CarriedFrom(Selected);
        Dictionary<string, LinearHead> starts = Options.ToDictionary(option => option, option =>
            HeadAlignments.CarriedFrom(option) == modelCarries || task == 0 ? trained : WithOldRows(trained, _heads[HeadAlignments.CarriedFrom(option)], known));
        var seconds = new Dictionary<string, double>();
        bool aligns = task > 0 && MethodCatalog.Of(recipe.Method).TrainsHead;
        string[] sampled = aligns ? Options.Where(HeadAlignments.NeedsStatistics).ToArray() : [];
        if (sampled.Length > 0)
        {
            var clock = Stopwatch.StartNew();
            string[] compensations = sampled.Select(HeadAlignments.CompensationOf).Distinct().ToArray();
            LinearHead[] calibrated = ClassifierAlignment.Align(sampled.Select(o => starts[o]).ToArray(),
                sampled.Select(o => Array.IndexOf(compensations, HeadAlignments.CompensationOf(o))).ToArray(),
                compensations.Select(statistics.For).ToArray(), scenario.TaskSizes, task,
                DeterministicRandom.Seed(recipe.Seed, task, RandomStreams.ClassifierAlignment));
            foreach ((string option, LinearHead head) in sampled.Zip(calibrated))
            {
                _heads[option] = head;
                seconds[option] = clock.Elapsed.TotalSeconds;
            }
        }
        foreach (string option in Options.Except(sampled))
        {
            var clock = Stopwatch.StartNew();
            _heads[option] = aligns && option == HeadAlignments.WeightAlign ? WeightAlignment.Align(starts[option], known) : starts[option];
            seconds[option] = clock.Elapsed.TotalSeconds;
        }
        model.SetHead(_heads[Selected].Weight, _heads[Selected].Bias);
        return seconds;
    }

    /// <summary><paramref name="trained"/> with its first <paramref name="known"/> rows taken from <paramref name="old"/>.</summary>
    static LinearHead WithOldRows(LinearHead trained, LinearHead old, int known)
    {
        long dim = trained.Weight.Shape[1];
        float[] weight = (float[])trained.Weight.Data.Clone(), bias = (float[])trained.Bias.Data.Clone();
        Array.Copy(old.Weight.Data, weight, known * dim);
        Array.Copy(old.Bias.Data, bias, known);
        return new LinearHead(trained.Weight with { Data = weight }, trained.Bias with { Data = bias });
    }

    /// <summary>The tracked heads on <paramref name="device"/>, in <see cref="Options"/> order, for scoring (the caller's dispose scope owns them).</summary>
    public (Tensor Weight, Tensor Bias)[] OnDevice(Device device) => Options
        .Select(option => (tensor(_heads[option].Weight.Data, _heads[option].Weight.Shape, device: device),
                           tensor(_heads[option].Bias.Data, _heads[option].Bias.Shape, device: device)))
        .ToArray();
}
