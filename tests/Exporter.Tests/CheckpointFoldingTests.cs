using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Continual;
using Cltool.Core.Weights;
using Cltool.Exporter.Folding;
using Cltool.Trainer.Models;
using static TorchSharp.torch;

namespace Cltool.Exporter.Tests;

/// <summary>The fold against the trainer: a plain ViT with the folded weights must give the trained model's golden logits.</summary>
public sealed class CheckpointFoldingTests(TinyRuns runs) : IClassFixture<TinyRuns>
{
    [Theory]
    [MemberData(nameof(CatalogMethods.Sequential), MemberType = typeof(CatalogMethods))]
    public void A_plain_vit_with_the_folded_weights_reproduces_the_trained_models_logits(string method)
    {
        RunDirectory run = runs.Of(method);
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(run.TaskCheckpoint(4));

        Dictionary<string, HostTensor> dense = CheckpointFolding.DenseWeights(checkpoint);
        using var vit = new VisionTransformer(checkpoint.Config.WithClasses(checkpoint.SeenClasses));
        vit.LoadWeights(dense);
        vit.eval();
        using var golden = SafeTensorsFile.Open(run.Golden);
        using var _ = no_grad();
        using Tensor logits = vit.forward(tensor(golden.ReadFloats("pixel_values"), golden["pixel_values"].Shape));
        float[] actual = logits.data<float>().ToArray(), expected = golden.ReadFloats("logits");

        double worst = actual.Zip(expected).Max(pair => Math.Abs(pair.First - pair.Second));
        Assert.True(worst <= 1e-4, $"max |logit difference| {worst:E2}");
        int classes = checkpoint.SeenClasses;
        for (int row = 0; row < expected.Length / classes; row++)
            Assert.Equal(Logits.ArgMax(expected.AsSpan(row * classes, classes)), Logits.ArgMax(actual.AsSpan(row * classes, classes)));
        if (MethodCatalog.Of(method).Family != NoAdapter.Family)
            Assert.NotEqual(checkpoint.Backbone["blocks.0.attn.qkv.weight"].Data, dense["blocks.0.attn.qkv.weight"].Data);
    }

    [Fact]
    public void The_clora_fold_adds_up_routing_down_in_float64_to_the_target_rows_only()
    {
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(runs.Of(Methods.CLora, clora: new CLoraSettings { Targets = CLoraSettings.KeyValue }).TaskCheckpoint(4));
        int dim = checkpoint.Config.Dim, rank = checkpoint.Recipe.Rank;

        Dictionary<string, HostTensor> dense = CheckpointFolding.DenseWeights(checkpoint);

        for (int block = 0; block < checkpoint.Config.Depth; block++)
        {
            float[] before = checkpoint.Backbone[$"blocks.{block}.attn.qkv.weight"].Data, after = dense[$"blocks.{block}.attn.qkv.weight"].Data;
            Assert.Equal(before.AsSpan(0, dim * dim).ToArray(), after.AsSpan(0, dim * dim).ToArray());   // q untouched with targets kv
            for (int t = 0; t < 2; t++)
            {
                RoutedLoraModule m = checkpoint.Routed().Modules[block][t];
                int firstRow = (t + 1) * dim;
                double worst = 0;
                for (int r = 0; r < dim; r++)
                    for (int c = 0; c < dim; c++)
                    {
                        double delta = 0;
                        for (int i = 0; i < rank; i++)
                            for (int j = 0; j < rank; j++)
                                delta += (double)m.Up.Data[r * rank + i] * m.RoutingOld.Data[i * rank + j] * m.Down.Data[j * dim + c];
                        float expected = (float)(before[(firstRow + r) * dim + c] + delta);
                        worst = Math.Max(worst, Math.Abs(expected - after[(firstRow + r) * dim + c]));
                    }
                Assert.True(worst <= 1e-7, $"block {block}, target {t}: max |difference| {worst:E2}");
            }
        }
    }
}
