using Cltool.Core.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>Counts a model's numbers by <see cref="ParameterGroups"/>: those the optimiser updates and those a checkpoint keeps.</summary>
public static class ParameterCensus
{
    /// <summary>Every group of <paramref name="model"/>; trainable are the numbers in <paramref name="trainable"/> (the optimiser's tensors).</summary>
    public static ParameterGroup[] Of(ContinualModel model, IEnumerable<Tensor> trainable)
    {
        var optimised = new HashSet<Tensor>(trainable, ReferenceEqualityComparer.Instance);
        bool Trains(Tensor tensor) => optimised.Contains(tensor);
        var adapter = model.Adapter?.CountParameters(Trains).ToDictionary(g => g.Name) ?? [];
        return
        [
            Group(ParameterGroups.Backbone, model.BackboneParameters().Select(p => p.Parameter), Trains),
            .. ParameterGroups.Adapter.Select(name => adapter.GetValueOrDefault(name) ?? new ParameterGroup(name, 0, 0)),
            Group(ParameterGroups.Head, model.HeadParameters().Select(p => p.Parameter), Trains),
        ];
    }

    /// <summary>A task's groups: what trained is counted when it started (a merge at its end may dispose those tensors), what is stored when it ended.</summary>
    public static ParameterGroup[] OfTask(ParameterGroup[] atStart, ParameterGroup[] atEnd) =>
        atEnd.Zip(atStart, (end, start) => end with { Trainable = start.Trainable }).ToArray();

    /// <summary>One group of tensors, plus <paramref name="constants"/> stored numbers that are not tensors (SD-LoRA-KD's offsets).</summary>
    public static ParameterGroup Group(string name, IEnumerable<Tensor> tensors, Func<Tensor, bool> trains, long constants = 0)
    {
        long trainable = 0, stored = constants;
        foreach (Tensor tensor in tensors)
        {
            stored += tensor.numel();
            if (trains(tensor)) trainable += tensor.numel();
        }
        return new ParameterGroup(name, trainable, stored);
    }
}
