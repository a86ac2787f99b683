using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cltool.InferenceHost.Protocol.Grpc;

/// <summary>
/// What the HTTP middleware does for REST, for every gRPC call: the API key (from the call's metadata; the liveness and
/// readiness RPCs and grpc.health.v1 need none, like /v2/health; Watch streams, which this unary hook does not see), and errors as statuses: a refusal with the code Triton uses and the same
/// message as over HTTP, anything unexpected as INTERNAL naming the call's id, with the exception in the host's log.
/// </summary>
public sealed class GrpcPolicy(ServeOptions options, ILogger<GrpcPolicy> logger) : Interceptor
{
    static readonly HashSet<string> Open = ["/inference.GRPCInferenceService/ServerLive", "/inference.GRPCInferenceService/ServerReady", "/grpc.health.v1.Health/Check"];

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!Open.Contains(context.Method)
            && ApiKeyCheck.Refusal(options.ApiKey, context.RequestHeaders.GetValue("x-api-key"), context.RequestHeaders.GetValue("authorization")) is { } refusal)
            throw new RpcException(new Status(StatusCode.Unauthenticated, refusal));
        try
        {
            return await continuation(request, context);
        }
        catch (HostError error)
        {
            throw new RpcException(new Status(error.GrpcCode, error.Message));
        }
        catch (Exception error) when (error is not RpcException && !context.CancellationToken.IsCancellationRequested)
        {
            string id = context.GetHttpContext().TraceIdentifier;
            logger.LogError(error, "request {RequestId} {Method} failed", id, context.Method);
            throw new RpcException(new Status(StatusCode.Internal, $"internal error (request {id}); the host's log has the details."));
        }
    }
}
