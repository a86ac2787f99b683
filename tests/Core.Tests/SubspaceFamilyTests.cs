using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Tests;

/// <summary>InfLoRA's checkpoint codec: what it writes it reads back exactly; a stored subspace that does not fit the config is one error.</summary>
public sealed class SubspaceFamilyTests : IDisposable
{
    const int Dim = 32, Rank = 2;
    readonly TemporaryDirectory _temporary = new();
    static readonly ViTConfig Config = ViTConfig.Preset("vit-test-16");
    static readonly TrainRecipe Recipe = new() { Method = Methods.InfLora, Rank = Rank };

    public void Dispose() => _temporary.Dispose();

    static HostTensor Filled(long rows, long columns, float value) => new(Enumerable.Repeat(value, (int)(rows * columns)).ToArray(), [rows, columns]);

    /// <summary>Two blocks, one task each, block 0's subspace the first two unit vectors (or <paramref name="basis"/>).</summary>
    static InfLoraState State(double[]? basis = null)
    {
        var unit = new double[Dim * 2];
        unit[0] = unit[Dim * 2 - 1] = 1;   // e_0 in column 0, e_31 in column 1
        InfLoraFactors[] Task() => [new InfLoraFactors(Filled(Rank, Dim, 0.25f), Filled(Dim, Rank, 0.5f), Filled(Dim, Rank, -1f))];
        return new InfLoraState(Config.Depth, [Task(), Task()], [new SubspaceBasis(Dim, basis ?? unit), SubspaceBasis.Empty(Dim)]);
    }

    string Write(InfLoraState state, Action<SafeTensorsWriter>? extra = null)
    {
        var writer = new SafeTensorsWriter();
        state.WriteTo(writer);
        extra?.Invoke(writer);
        string path = _temporary.File($"{Guid.NewGuid():N}.safetensors");
        writer.Save(path);
        return path;
    }

    [Fact]
    public void A_written_state_reads_back_number_for_number_and_folds_into_the_k_and_v_rows_only()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(Write(State()));
        var read = Assert.IsType<InfLoraState>(SubspaceFamily.Family.Read(file, Recipe, Config));

        Assert.Equal(State().Subspaces[0].Columns, read.Subspaces[0].Columns);
        Assert.Equal(0, read.Subspaces[1].Size);
        var weights = new Dictionary<string, HostTensor>
        {
            ["blocks.0.attn.qkv.weight"] = Filled(3 * Dim, Dim, 0),
            ["blocks.1.attn.qkv.weight"] = Filled(3 * Dim, Dim, 0),
        };
        read.FoldInto(weights);
        float[] qkv = weights["blocks.1.attn.qkv.weight"].Data;
        Assert.All(qkv.AsSpan(0, Dim * Dim).ToArray(), v => Assert.Equal(0f, v));            // q
        Assert.All(qkv.AsSpan(Dim * Dim, Dim * Dim).ToArray(), v => Assert.Equal(0.25f, v));   // k: Σ_r 0.5·0.25
        Assert.All(qkv.AsSpan(2 * Dim * Dim, Dim * Dim).ToArray(), v => Assert.Equal(-0.5f, v));
    }

    [Fact]
    public void A_stored_subspace_that_is_not_orthonormal_has_the_wrong_width_or_lies_in_a_block_the_recipe_does_not_adapt_is_refused()
    {
        double[] skewed = new double[Dim * 2];
        skewed[0] = 1;
        skewed[2] = 0.5;   // column 1 = e_1·0.5: not unit length
        string notOrthonormal = Write(State(skewed));
        string wide = Write(State(), writer => writer.Add(SubspaceFamily.SubspaceName(1), new double[16 * 2], [16, 2]));

        using (SafeTensorsFile file = SafeTensorsFile.Open(notOrthonormal))
            Assert.Contains("is not an orthonormal basis", Assert.Throws<CltoolException>(() => SubspaceFamily.Family.Read(file, Recipe, Config)).Message);
        using (SafeTensorsFile file = SafeTensorsFile.Open(wide))
            Assert.Contains("has shape [16, 2]; expected [32, k]", Assert.Throws<CltoolException>(() => SubspaceFamily.Family.Read(file, Recipe, Config)).Message);
        using (SafeTensorsFile file = SafeTensorsFile.Open(Write(State())))
        {
            var error = Assert.Throws<CltoolException>(() => SubspaceFamily.Family.Read(file, Recipe with { Inflora = new InfLoraSettings { Blocks = 1 } }, Config));
            Assert.Contains("the InfLoRA subspace does not match the checkpoint's config", error.Message);
            Assert.Contains("the recipe adapts the first 1 blocks", error.Message);
        }
    }
}
