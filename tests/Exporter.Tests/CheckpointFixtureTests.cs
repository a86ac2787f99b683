using Cltool.Core.Adapters.Directions;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Continual;
using Cltool.Core.Weights;

namespace Cltool.Exporter.Tests;

/// <summary>
/// Checkpoints written by every earlier checkpoint version's cltool (tests/fixtures/checkpoints/README.md) load through
/// today's family codecs, and fold and export with parity against the logits their own trainer computed.
/// </summary>
public sealed class CheckpointFixtureTests : IDisposable
{
    readonly TemporaryDirectory _out = new();

    public void Dispose() => _out.Dispose();

    static string Fixture(string name) => Repository.File("tests", "fixtures", "checkpoints", name);

    [Theory]
    [InlineData("v1-sdlora.safetensors", 1, Methods.SdLora)]
    [InlineData("v2-sdlora-kd.safetensors", 2, Methods.SdLoraKd)]
    [InlineData("v3-clora.safetensors", 3, Methods.CLora)]
    public void A_checkpoint_of_every_version_exports_merged_and_unmerged_with_parity_against_its_own_trainers_logits(string file, int version, string method)
    {
        using (SafeTensorsFile raw = SafeTensorsFile.Open(Fixture(file))) Assert.Equal(version.ToString(), raw.Metadata["version"]);
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(Fixture(file));
        Assert.Equal(method, checkpoint.Method);
        Assert.Equal(2, checkpoint.Task);
        Assert.NotNull(checkpoint.Golden);

        foreach (bool merge in new[] { true, false })
        {
            ExportResult result = ModelExport.Run(Fixture(file), _out.File($"{version}-{merge}.onnx"), new ExportOptions(Merge: merge));
            Assert.True(result.Parity.Passed, result.Parity.ToString());
            Assert.True(result.Parity.MaxAbsDifference <= 1e-4, $"{result.Parity.MaxAbsDifference:E2}");
        }
    }

    [Fact]
    public void Each_versions_own_content_is_read()
    {
        DirectionSet v1 = ContinualCheckpoint.Load(Fixture("v1-sdlora.safetensors")).AdapterAs<DirectionSet>();
        Assert.Equal(3, v1.Directions.Count);
        Assert.All(v1.Directions, d => Assert.Null(d.Offsets));
        Assert.All(v1.Directions.Take(2), d => Assert.NotEqual(1f, d.Norms[0, 0]));   // the code's ‖B‖‖A‖ of frozen ones
        Assert.Equal(1f, v1.Directions[2].Norms[0, 0]);                                // the current one is used unnormalised

        // τ = 1 absorbed every module of tasks 2 and 3: rank-0 factors, and offsets on the first direction.
        DirectionSet v2 = ContinualCheckpoint.Load(Fixture("v2-sdlora-kd.safetensors")).AdapterAs<DirectionSet>();
        Assert.All(v2.Directions.Skip(1), d => Assert.Equal(0, d.Parameters));
        Assert.NotNull(v2.Directions[0].Offsets);
        Assert.Contains(v2.Directions[0].Offsets!.Cast<float>(), o => o != 0);

        RoutedLora v3 = ContinualCheckpoint.Load(Fixture("v3-clora.safetensors")).AdapterAs<RoutedLora>();
        Assert.Equal(2, v3.Modules.Length);
        Assert.All(v3.Modules.SelectMany(block => block), module => Assert.Null(module.RoutingDelta));
        Assert.All(v3.Modules.SelectMany(block => block), module => Assert.Contains(module.Up.Data, v => v != 0));
    }
}
