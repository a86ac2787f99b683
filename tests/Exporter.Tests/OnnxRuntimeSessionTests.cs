using Cltool.Exporter.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Cltool.Exporter.Tests;

/// <summary>A graph built with cltool's ONNX builder opens and runs in the real ONNX Runtime.</summary>
public sealed class OnnxRuntimeSessionTests
{
    // y = relu(x·W + b) with W 3×2, b 2; batch is dynamic.
    static readonly float[] Weight = [1, -1, 2, 0.5f, -3, 1];
    static readonly float[] Bias = [0.5f, -0.25f];

    static byte[] TinyModel()
    {
        var builder = new OnnxGraphBuilder("tiny");
        builder.AddInput("x", TensorProto.Types.DataType.Float, "batch", 3);
        builder.AddOutput("y", TensorProto.Types.DataType.Float, "batch", 2);
        builder.AddInitializer("fc.weight", Weight, 3, 2);
        builder.AddInitializer("fc.bias", Bias, 2);
        string product = builder.AddNode("MatMul", ["x", "fc.weight"]);
        string sum = builder.AddNode("Add", [product, "fc.bias"]);
        builder.AddNode("Relu", [sum], "y");
        return builder.Build(new Dictionary<string, string> { ["method"] = "test" }).ToByteArray();
    }

    [Fact]
    public void The_session_reports_the_built_signature_and_metadata()
    {
        using var session = new InferenceSession(TinyModel());

        Assert.Equal(["x"], session.InputNames);
        Assert.Equal(new[] { -1, 3 }, session.InputMetadata["x"].Dimensions);
        Assert.Equal(new[] { -1, 2 }, session.OutputMetadata["y"].Dimensions);
        Assert.Equal("cltool", session.ModelMetadata.ProducerName);
        Assert.Equal("test", session.ModelMetadata.CustomMetadataMap["method"]);
    }

    [Fact]
    public void Running_a_batch_gives_the_hand_computed_outputs()
    {
        float[] input = [1, 2, 3, -1, 0, 1];
        using var session = new InferenceSession(TinyModel());
        using var x = OrtValue.CreateTensorValueFromMemory(input, [2, 3]);
        using var options = new RunOptions();

        using var outputs = session.Run(options, ["x"], [x], ["y"]);
        float[] y = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        float[] expected = new float[4];
        for (int row = 0; row < 2; row++)
            for (int column = 0; column < 2; column++)
            {
                float value = Bias[column];
                for (int k = 0; k < 3; k++) value += input[row * 3 + k] * Weight[k * 2 + column];
                expected[row * 2 + column] = Math.Max(0, value);
            }
        Assert.Equal(new long[] { 2, 2 }, outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(expected, y);
        Assert.Equal([0f, 2.75f], y[..2]); // row 0: relu(-4 + 0.5, 3 - 0.25)
    }

    [Fact]
    public void The_model_declares_ir_8_and_opset_17()
    {
        var model = ModelProto.Parser.ParseFrom(TinyModel());

        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, Assert.Single(model.OpsetImport).Version);
    }
}
