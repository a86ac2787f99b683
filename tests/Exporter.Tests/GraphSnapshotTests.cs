using Cltool.Core.Continual;
using Onnx;

namespace Cltool.Exporter.Tests;

/// <summary>
/// Pins the exported graphs of the tiny ViT (merged and unmerged, fp32 and fp16): IO signature, versions, the ordered
/// operator list, initializer names/shapes/dtypes and metadata keys. Any change to the graph shows up as a snapshot diff.
/// </summary>
public sealed class GraphSnapshotTests(TinyRuns runs) : IClassFixture<TinyRuns>
{
    public sealed record GraphSignature(long IrVersion, string[] Opsets, string Producer, string[] Inputs, string[] Outputs,
                                        string[] Operators, string[] Initializers, string[] MetadataKeys)
    {
        public static GraphSignature Of(ModelProto model)
        {
            static string Type(int type) => ((TensorProto.Types.DataType)type).ToString().ToLowerInvariant();
            static string Value(ValueInfoProto value) =>
                $"{value.Name} {Type(value.Type.TensorType.ElemType)} [{string.Join(", ", value.Type.TensorType.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString()))}]";
            return new GraphSignature(
                model.IrVersion,
                model.OpsetImport.Select(o => $"{(o.Domain.Length == 0 ? "ai.onnx" : o.Domain)} {o.Version}").ToArray(),
                model.ProducerName,
                model.Graph.Input.Select(Value).ToArray(),
                model.Graph.Output.Select(Value).ToArray(),
                model.Graph.Node.Select(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}").ToArray(),
                model.Graph.Initializer.Select(t => $"{t.Name} {Type(t.DataType)} [{string.Join(", ", t.Dims)}]").ToArray(),
                model.MetadataProps.Select(p => p.Key).ToArray());
        }
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void The_exported_graph_matches_its_snapshot(bool merge, bool half)
    {
        string checkpoint = runs.Of(Methods.SdLora).TaskCheckpoint(4);
        ModelProto model = ModelExport.Graph(ContinualCheckpoint.Load(checkpoint), "sha", new ExportOptions(merge, half ? WeightPrecision.Fp16 : WeightPrecision.Fp32));

        CommittedSnapshot.Match(GraphSignature.Of(model), $"{(merge ? "merged" : "unmerged")}_{(half ? "fp16" : "fp32")}");
    }

    [Fact]
    public void A_ca_aligned_head_with_or_without_drift_compensation_exports_the_same_merged_graph_as_the_unaligned_one()
    {
        // Alignment and compensation only change the head's numbers: same ops, inputs, outputs and initializer shapes (zero inference cost).
        string Signature(string headOption) => System.Text.Json.JsonSerializer.Serialize(GraphSignature.Of(ModelExport.Graph(
            ContinualCheckpoint.Load(runs.Of(Methods.SdLora, headOption).TaskCheckpoint(4)), "sha", new ExportOptions(Merge: true))));

        Assert.Equal(Signature(HeadAlignments.None), Signature(HeadAlignments.ClassifierAlign));
        Assert.Equal(Signature(HeadAlignments.None), Signature(HeadAlignments.Compensated(HeadAlignments.ClassifierAlign, DriftCompensations.Linear)));
    }

    [Fact]
    public void A_merged_clora_model_is_the_same_graph_as_every_merged_plain_vit()
    {
        ModelProto model = ModelExport.Graph(ContinualCheckpoint.Load(runs.Of(Methods.CLora).TaskCheckpoint(4)), "sha", new ExportOptions(Merge: true));

        CommittedSnapshot.Match(GraphSignature.Of(model), "merged_fp32", nameof(The_exported_graph_matches_its_snapshot));
    }

    [Fact]
    public void The_int8_graph_matches_its_snapshot_and_keeps_the_patch_embedding_norms_attention_and_head_float()
    {
        string checkpoint = runs.Of(Methods.SdLora).TaskCheckpoint(4);
        ModelProto model = ModelExport.Graph(ContinualCheckpoint.Load(checkpoint), "sha", new ExportOptions(Precision: WeightPrecision.Int8));

        CommittedSnapshot.Match(GraphSignature.Of(model));
        Assert.Equal(2 * 2, model.Graph.Node.Count(n => n.OpType == "MatMulInteger"));   // fc1 and fc2 of 2 blocks
        Assert.Equal(2 * 4, model.Graph.Node.Count(n => n.OpType == "MatMul"));          // qkv, proj, q·kᵀ, attention·v stay float
        ModelProto all = ModelExport.Graph(ContinualCheckpoint.Load(checkpoint), "sha", new ExportOptions(Precision: WeightPrecision.Int8, Int8Layers: Int8Layers.All));
        Assert.Equal(4 * 2, all.Graph.Node.Count(n => n.OpType == "MatMulInteger"));
        Assert.Contains(model.Graph.Initializer, t => t.Name == "head.weight" && t.DataType == (int)TensorProto.Types.DataType.Float);
    }

    [Fact]
    public void The_fused_attention_graph_matches_its_snapshot()
    {
        string checkpoint = runs.Of(Methods.SdLora).TaskCheckpoint(4);
        ModelProto model = ModelExport.Graph(ContinualCheckpoint.Load(checkpoint), "sha", new ExportOptions(FusedAttention: true));

        CommittedSnapshot.Match(GraphSignature.Of(model));
    }
}
