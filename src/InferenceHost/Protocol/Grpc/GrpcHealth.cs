using Cltool.InferenceHost.Serving;
using Grpc.Core;
using Grpc.Health.V1;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace Cltool.InferenceHost.Protocol.Grpc;

/// <summary>
/// grpc.health.v1 (the messages and service base of the maintained Grpc.HealthCheck package), which Kubernetes' gRPC
/// probes and meshes call. Services: "" and "inference.GRPCInferenceService" are the server (SERVING when it is ready,
/// as /v2/health/ready), a model's name is that model (SERVING while it has a ready version); any other name is NOT_FOUND
/// (Check) or SERVICE_UNKNOWN (Watch). Once the host drains after SIGTERM every service is NOT_SERVING, and a Watch sends
/// that and ends, so an open stream never holds the drain up.
/// </summary>
public sealed class GrpcHealth(ModelRepository repository, IHostApplicationLifetime lifetime) : Health.HealthBase
{
    const string InferenceService = "inference.GRPCInferenceService";
    /// <summary>How often a Watch looks again; the health of a model changes only on a load, unload or poll.</summary>
    static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(200);

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
        StatusOf(request.Service) is { } status
            ? Task.FromResult(new HealthCheckResponse { Status = status })
            : throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{request.Service}'; the host serves \"\", {InferenceService} and its models' names."));

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ServingStatus? last = null;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        while (true)
        {
            ServingStatus status = StatusOf(request.Service) ?? ServingStatus.ServiceUnknown;
            if (status != last) await responseStream.WriteAsync(new HealthCheckResponse { Status = status });
            last = status;
            if (lifetime.ApplicationStopping.IsCancellationRequested || context.CancellationToken.IsCancellationRequested) return;
            try { await Task.Delay(WatchInterval, ended.Token); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>The service's status now; null for a name the host does not serve.</summary>
    ServingStatus? StatusOf(string service)
    {
        bool draining = lifetime.ApplicationStopping.IsCancellationRequested;
        if (service is "" or InferenceService) return !draining && repository.IsReady() ? ServingStatus.Serving : ServingStatus.NotServing;
        // A served model is known from memory; only another name needs the repository's listing (disk), which a probe
        // every few seconds and a Watch every 200 ms would otherwise read each time.
        if (repository.ServedModels().Contains(service)) return draining ? ServingStatus.NotServing : ServingStatus.Serving;
        return repository.Index(readyOnly: false).Any(entry => entry.Name == service) ? ServingStatus.NotServing : null;
    }
}
