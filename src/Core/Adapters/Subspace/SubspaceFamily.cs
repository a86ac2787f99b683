using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Adapters.Subspace;

/// <summary>
/// InfLoRA (checkpoint version 3): per adapted block b and task t <c>inflora.blocks.b.attn.tasks.t.{lora_A, k.lora_B,
/// v.lora_B}</c>, and per block the stored subspace <c>inflora.blocks.b.attn.subspace</c> (F64 [dim, size], absent while empty).
/// </summary>
public sealed class SubspaceFamily : IAdapterFamily
{
    public static readonly SubspaceFamily Family = new();

    public const string Key = "k", Value = "v";

    /// <summary>Below this |MᵀM − I| a stored basis is orthonormal (it is written from a float64 QR).</summary>
    const double OrthonormalTolerance = 1e-9;

    public string Name => "subspace";

    static string Prefix(int block) => $"inflora.blocks.{block}.";
    public static string DownName(int block, int task) => $"{Prefix(block)}attn.tasks.{task}.lora_A";
    public static string UpName(int block, int task, string projection) => $"{Prefix(block)}attn.tasks.{task}.{projection}.lora_B";
    public static string SubspaceName(int block) => $"{Prefix(block)}attn.subspace";

    /// <summary>Every adapted block's tasks and subspace, each shape checked against the recipe and the config; null before the first task's design.</summary>
    public IAdapterState? Read(SafeTensorsFile file, TrainRecipe recipe, ViTConfig config)
    {
        int adapted = recipe.EffectiveInflora.AdaptedBlocks(config.Depth), rank = recipe.Rank, dim = config.Dim;
        if (file.Tensors.FirstOrDefault(t => t.Name.StartsWith("inflora.blocks.", StringComparison.Ordinal) && BlockOf(t.Name) >= adapted) is { } stray)
            throw Mismatch(file, $"it holds '{stray.Name}' but the recipe adapts the first {adapted} blocks (inflora.blocks)");
        if (!file.Contains(DownName(0, 0))) return null;
        var tasks = Enumerable.Range(0, adapted).Select(block => ReadTasks(file, block, rank, dim)).ToArray();
        if (tasks.Select(t => t.Length).Distinct().Count() > 1)
            throw Mismatch(file, $"its blocks hold different numbers of tasks ({string.Join(", ", tasks.Select(t => t.Length))})");
        return new InfLoraState(config.Depth, tasks, Enumerable.Range(0, adapted).Select(block => ReadSubspace(file, block, dim)).ToArray());
    }

    static InfLoraFactors[] ReadTasks(SafeTensorsFile file, int block, int rank, int dim)
    {
        var tasks = new List<InfLoraFactors>();
        for (int task = 0; file.Contains(DownName(block, task)); task++)
        {
            HostTensor Read(string name, long[] shape) => file.ReadShaped(name, shape, "InfLoRA", $"rank {rank}, width {dim}");
            tasks.Add(new InfLoraFactors(Read(DownName(block, task), [rank, dim]), Read(UpName(block, task, Key), [dim, rank]), Read(UpName(block, task, Value), [dim, rank])));
        }
        return [.. tasks];
    }

    static SubspaceBasis ReadSubspace(SafeTensorsFile file, int block, int dim)
    {
        string name = SubspaceName(block);
        if (!file.Contains(name)) return SubspaceBasis.Empty(dim);
        long[] shape = file[name].Shape;
        if (shape.Length != 2 || shape[0] != dim || shape[1] > dim)
            throw Mismatch(file, $"its subspace '{name}' has shape [{string.Join(", ", shape)}]; expected [{dim}, k] with k ≤ {dim} (the model's width)");
        var basis = new SubspaceBasis(dim, file.ReadDoubles(name));
        double error = basis.OrthonormalityError();
        if (error > OrthonormalTolerance)
            throw Mismatch(file, $"its subspace '{name}' is not an orthonormal basis (|MᵀM − I| up to {error:G3}, expected ≤ {OrthonormalTolerance:G1})");
        return basis;
    }

    static int BlockOf(string name) => int.TryParse(name.Split('.')[2], out int block) ? block : int.MaxValue;

    static CltoolException Mismatch(SafeTensorsFile file, string why) =>
        new($"'{file.Path}': the InfLoRA subspace does not match the checkpoint's config: {why}.");
}
