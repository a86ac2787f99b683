using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Subspace;

/// <summary>
/// InfLoRA (Liang and Li, CVPR 2024; reference/inflora.md; docs/continual-training.md "InfLoRA" lists every choice). Before
/// each task one pass of its augmented training images measures every adapted block's input second moments C, and the
/// task's down-projection is designed outside the subspace earlier tasks stored; only its up-projections (and the head)
/// train. After the task a second pass measures C again and the subspace grows by the energy rule at ε_t.
/// </summary>
sealed class InfLora(TrainRecipe recipe) : ContinualMethod(recipe)
{
    /// <summary>The two passes over a task's training images draw their augmentation apart.</summary>
    const int DesignPass = 0, MemoryPass = 1;

    InfLoraSettings Settings => Recipe.EffectiveInflora;

    public override IContinualAdapter? CreateAdapter(ViTShape shape, Device device) =>
        new InfLoraAdapter(shape, Settings.AdaptedBlocks(shape.Depth), Recipe.Rank, device);

    public override string? ProblemWith(ViTConfig config) => Settings.ProblemFor(Recipe.Rank, config.Depth, config.Dim);

    public override void BeginTask(int task, ContinualModel model, Generator generator, ITaskInputs inputs)
    {
        var adapter = model.AdapterAs<InfLoraAdapter>();
        Tensor[] moments = Measure(adapter, inputs, DesignPass);
        var downs = new List<Tensor>();
        try
        {
            for (int block = 0; block < moments.Length; block++)
                downs.Add(SubspaceDesign.Design(moments[block], adapter.Subspaces[block], Recipe.Rank).Down);
            adapter.StartTask(downs);
        }
        finally
        {
            foreach (Tensor t in moments.Concat(downs)) t.Dispose();
        }
    }

    public override IMethodReport? EndTask(int task, ContinualModel model, ITaskInputs inputs)
    {
        var adapter = model.AdapterAs<InfLoraAdapter>();
        adapter.FinishTask();
        int[] designed = adapter.DesignedRows();
        Tensor[] moments = Measure(adapter, inputs, MemoryPass);
        double threshold = Settings.ThresholdAfter(task, inputs.Tasks);
        try
        {
            adapter.Subspaces = moments.Select((c, block) => SubspaceDesign.Grow(c, adapter.Subspaces[block], threshold)).ToArray();
        }
        finally
        {
            foreach (Tensor t in moments) t.Dispose();
        }
        return new SubspaceReport(task, threshold, adapter.Subspaces[0].Dim, adapter.Subspaces.Select(b => b.Size).ToArray(), designed);
    }

    static Tensor[] Measure(InfLoraAdapter adapter, ITaskInputs inputs, int pass)
    {
        adapter.StartMeasuring();
        inputs.ForwardTrainingImages(pass);
        return adapter.StopMeasuring();
    }

    public override void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training) =>
        model.AdapterAs<InfLoraAdapter>().Load(checkpoint.Adapter as InfLoraState, training);
}
