using Cltool.Core.Models;
using Cltool.InferenceHost.Serving;
using Google.Protobuf;
using Grpc.Core;

namespace Cltool.InferenceHost.Protocol.Grpc;

/// <summary>
/// KServe v2 / Triton gRPC (package <c>inference</c>, service <c>GRPCInferenceService</c>) over the same repository,
/// batchers, limits and metrics as REST. ModelInfer takes the pixels as <c>raw_input_contents</c> (what tritonclient
/// sends) or as <c>fp32_contents</c>, never both, and answers in the same form: raw bytes to a raw request, typed
/// contents to a typed one. Refusals are <see cref="HostError"/>s that <see cref="GrpcPolicy"/> turns into statuses.
/// </summary>
public sealed class GrpcEndpoints(ServeOptions options, ModelRepository repository, InferenceRunner runner) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = repository.IsReady() });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        using ServedVersion.Lease lease = repository.Acquire(request.Name, request.Version);
        return Task.FromResult(new ModelReadyResponse { Ready = true });
    }

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse { Name = "cltool-host", Version = Endpoints.ServerVersion ?? "", Extensions = { Endpoints.Extensions } });

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        using ServedVersion.Lease lease = repository.Acquire(request.Name, request.Version);
        return Task.FromResult(ModelConfiguration.Metadata(request.Name, repository.ReadyVersions(request.Name), lease.Served.Session));
    }

    public override Task<ModelConfigResponse> ModelConfig(ModelConfigRequest request, ServerCallContext context)
    {
        using ServedVersion.Lease lease = repository.Acquire(request.Name, request.Version);
        return Task.FromResult(new ModelConfigResponse
        {
            Config = ModelConfiguration.Of(request.Name, lease.Served),
        });
    }

    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context) =>
        Task.FromResult(StatisticsReport.Proto(StatisticsReport.Select(repository, request.Name, request.Version)));

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        using ServedVersion.Lease lease = repository.Acquire(request.ModelName, request.ModelVersion);
        (float[] pixels, int count, bool raw) = runner.Decode(lease.Served, () => Input(request, lease.Served.Session));
        int? topK = Classification(request);
        InferenceResult result = await runner.RunAsync(lease.Served, pixels, count, context.CancellationToken);
        return Response(request, lease.Served, result, topK, raw);
    }

    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        NamedRepositoryUnsupported(request.RepositoryName);
        var response = new RepositoryIndexResponse();
        response.Models.AddRange(repository.Index(request.Ready).Select(entry => new RepositoryIndexResponse.Types.ModelIndex
        {
            Name = entry.Name,
            Version = entry.Version ?? "",
            State = entry.State ?? "",
            Reason = entry.Reason ?? "",
        }));
        return Task.FromResult(response);
    }

    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        NamedRepositoryUnsupported(request.RepositoryName);
        await RepositoryChange.RunAsync(repository, options, request.ModelName, load: true);
        return new RepositoryModelLoadResponse();
    }

    public override async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        NamedRepositoryUnsupported(request.RepositoryName);
        await RepositoryChange.RunAsync(repository, options, request.ModelName, load: false);
        return new RepositoryModelUnloadResponse();
    }

    /// <summary>The images of the one input, from raw bytes or typed FP32 contents (exclusive, as the protocol says).</summary>
    static (float[] Pixels, int Count, bool Raw) Input(ModelInferRequest request, ModelSession model)
    {
        if (request.Inputs.Count != 1)
            throw HostError.BadRequest($"the request has {request.Inputs.Count} inputs; the model takes one, '{ModelSignature.Input}'.");
        ModelInferRequest.Types.InferInputTensor input = request.Inputs[0];
        int count = InputCheck.Images(input.Name, input.Datatype, input.Shape, model, Endpoints.MaxImagesPerRequest);
        int elements = count * model.ImageElements;
        bool typed = input.Contents is { } contents && !contents.Equals(new InferTensorContents());
        if (request.RawInputContents.Count > 0)
        {
            if (typed) throw HostError.BadRequest($"input '{input.Name}': contents field must not be specified when using raw_input_contents.");
            if (request.RawInputContents.Count != 1)
                throw HostError.BadRequest($"raw_input_contents has {request.RawInputContents.Count} entries; it needs one per input, here 1.");
            return (BinaryTensors.Floats(request.RawInputContents[0].Span, elements, input.Name), count, true);
        }
        if (!typed) throw HostError.BadRequest($"unable to find data for input tensor '{input.Name}': send raw_input_contents or contents.fp32_contents.");
        var values = input.Contents!.Fp32Contents;
        if (values.Count != elements)
            throw HostError.BadRequest($"input '{input.Name}' has {values.Count} fp32_contents values; its shape [{string.Join(", ", input.Shape)}] needs {elements}.");
        return (InputCheck.Finite(values.ToArray(), input.Name), count, false);
    }

    /// <summary>Triton's classification parameter on the requested output (tritonclient's class_count), or null for logits.</summary>
    static int? Classification(ModelInferRequest request)
    {
        int? topK = null;
        foreach (ModelInferRequest.Types.InferRequestedOutputTensor output in request.Outputs)
        {
            if (output.Name != ModelSignature.Output)
                throw HostError.BadRequest($"output '{output.Name}' is unknown; the model's output is '{ModelSignature.Output}'.");
            if (!output.Parameters.TryGetValue("classification", out InferParameter? k)) continue;
            long value = k.ParameterChoiceCase switch
            {
                InferParameter.ParameterChoiceOneofCase.Int64Param => k.Int64Param,
                InferParameter.ParameterChoiceOneofCase.Uint64Param => (long)Math.Min(k.Uint64Param, long.MaxValue),
                _ => 0,
            };
            topK = value is > 0 and <= int.MaxValue ? (int)value : throw HostError.BadRequest($"'classification' must be a positive integer, got {k}.");
        }
        return topK;
    }

    static ModelInferResponse Response(ModelInferRequest request, ServedVersion served, InferenceResult result, int? topK, bool raw)
    {
        var response = new ModelInferResponse { ModelName = served.Model, ModelVersion = served.Version.ToString(), Id = request.Id };
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = ModelSignature.Output };
        if (topK is { } k)
        {
            (string[] elements, int top) = InferenceJson.Classification(result, k);
            output.Datatype = "BYTES";
            output.Shape.Add([result.Count, top]);
            if (raw) response.RawOutputContents.Add(ByteString.CopyFrom(BinaryTensors.Bytes(elements)));
            else output.Contents = new InferTensorContents { BytesContents = { elements.Select(ByteString.CopyFromUtf8) } };
        }
        else
        {
            output.Datatype = "FP32";
            output.Shape.Add([result.Count, result.Classes]);
            if (raw) response.RawOutputContents.Add(ByteString.CopyFrom(BinaryTensors.Bytes(result.Logits)));
            else output.Contents = new InferTensorContents { Fp32Contents = { result.Logits } };
        }
        response.Outputs.Add(output);
        return response;
    }

    static void NamedRepositoryUnsupported(string name)
    {
        if (name.Length > 0)
            throw new HostError(StatusCodes.Status501NotImplemented, $"named repositories are not supported ('{name}'); leave repository_name empty.");
    }
}
