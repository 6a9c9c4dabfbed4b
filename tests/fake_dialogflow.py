"""A local gRPC server speaking Dialogflow's Agents service (RestoreAgent, ExportAgent; ES v2
and CX v3) and the long-running Operations service, so the official clients run unmodified."""

from __future__ import annotations

from concurrent import futures

import grpc
from google.cloud import dialogflow_v2, dialogflowcx_v3
from google.longrunning import operations_pb2
from google.protobuf import any_pb2, empty_pb2


class AgentsServer:
    SERVICE = "google.cloud.dialogflow.v2.Agents"
    TYPES = dialogflow_v2

    def __init__(self, polls_before_done: int = 2):
        types = self.TYPES
        self.restored: list = []
        self.exports: list = []
        self.agent_content = b""
        self.polls_before_done = polls_before_done
        self.operations: dict[str, tuple[int, any_pb2.Any]] = {}  # name -> (polls left, response)
        self.metadata: list[tuple] = []
        self.agents: dict[str, dialogflow_v2.Agent] = {}  # parent -> agent
        self.calls: list[str] = []  # method names, in order
        self.fulfillments: list[dialogflow_v2.UpdateFulfillmentRequest] = []
        self.server = grpc.server(futures.ThreadPoolExecutor(4))
        self.server.add_generic_rpc_handlers(
            [
                grpc.method_handlers_generic_handler(
                    self.SERVICE,
                    {
                        "RestoreAgent": grpc.unary_unary_rpc_method_handler(
                            self._restore,
                            request_deserializer=types.RestoreAgentRequest.deserialize,
                            response_serializer=operations_pb2.Operation.SerializeToString,
                        ),
                        "ExportAgent": grpc.unary_unary_rpc_method_handler(
                            self._export,
                            request_deserializer=types.ExportAgentRequest.deserialize,
                            response_serializer=operations_pb2.Operation.SerializeToString,
                        ),
                        "GetAgent": grpc.unary_unary_rpc_method_handler(
                            self._get_agent,
                            request_deserializer=dialogflow_v2.GetAgentRequest.deserialize,
                            response_serializer=dialogflow_v2.Agent.serialize,
                        ),
                        "SetAgent": grpc.unary_unary_rpc_method_handler(
                            self._set_agent,
                            request_deserializer=dialogflow_v2.SetAgentRequest.deserialize,
                            response_serializer=dialogflow_v2.Agent.serialize,
                        ),
                        "TrainAgent": grpc.unary_unary_rpc_method_handler(
                            self._train,
                            request_deserializer=dialogflow_v2.TrainAgentRequest.deserialize,
                            response_serializer=operations_pb2.Operation.SerializeToString,
                        ),
                    },
                ),
                grpc.method_handlers_generic_handler(
                    "google.cloud.dialogflow.v2.Fulfillments",
                    {
                        "UpdateFulfillment": grpc.unary_unary_rpc_method_handler(
                            self._update_fulfillment,
                            request_deserializer=dialogflow_v2.UpdateFulfillmentRequest.deserialize,
                            response_serializer=dialogflow_v2.Fulfillment.serialize,
                        ),
                    },
                ),
                grpc.method_handlers_generic_handler(
                    "google.longrunning.Operations",
                    {
                        "GetOperation": grpc.unary_unary_rpc_method_handler(
                            self._get_operation,
                            request_deserializer=operations_pb2.GetOperationRequest.FromString,
                            response_serializer=operations_pb2.Operation.SerializeToString,
                        ),
                    },
                ),
            ]
        )
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{self.port}"
        self.server.start()

    def _start(self, kind: str, response: any_pb2.Any) -> operations_pb2.Operation:
        name = f"projects/p/operations/{kind}-{len(self.operations)}"
        self.operations[name] = (self.polls_before_done, response)
        return operations_pb2.Operation(name=name, done=False)

    def _get_agent(self, request, context):
        self.calls.append("GetAgent")
        if request.parent not in self.agents:
            context.abort(grpc.StatusCode.NOT_FOUND, f"No DesignTimeAgent found for {request.parent}")
        return self.agents[request.parent]

    def _set_agent(self, request, context):
        self.calls.append("SetAgent")
        self.agents[request.agent.parent] = request.agent
        return request.agent

    def _train(self, request, context):
        self.calls.append("TrainAgent")
        packed = any_pb2.Any()
        packed.Pack(empty_pb2.Empty())
        return self._start("train", packed)

    def _update_fulfillment(self, request, context):
        self.calls.append("UpdateFulfillment")
        self.fulfillments.append(request)
        return request.fulfillment

    def _restore(self, request, context):
        self.calls.append("RestoreAgent")
        if self.TYPES is dialogflow_v2 and request.parent not in self.agents:  # ES: restoring into nothing
            context.abort(grpc.StatusCode.NOT_FOUND, f"No DesignTimeAgent found for {request.parent}")
        self.metadata.append(tuple(context.invocation_metadata()))
        self.restored.append(request)
        self.agent_content = bytes(request.agent_content)
        packed = any_pb2.Any()
        packed.Pack(empty_pb2.Empty())
        return self._start("restore", packed)

    def _export(self, request, context):
        self.exports.append(request)
        packed = any_pb2.Any()
        response = self.TYPES.ExportAgentResponse(agent_content=self.agent_content)
        packed.Pack(self.TYPES.ExportAgentResponse.pb(response))
        return self._start("export", packed)

    def _get_operation(self, request, context):
        polls, response = self.operations[request.name]
        if polls > 0:
            self.operations[request.name] = (polls - 1, response)
            return operations_pb2.Operation(name=request.name, done=False)
        return operations_pb2.Operation(name=request.name, done=True, response=response)

    def stop(self):
        self.server.stop(0)


class CxAgentsServer(AgentsServer):
    """The same for Dialogflow CX (v3): RestoreAgent and ExportAgent take the agent's name."""

    SERVICE = "google.cloud.dialogflow.cx.v3.Agents"
    TYPES = dialogflowcx_v3


class SessionsServer:
    """Dialogflow's Sessions service (DetectIntent): answers from a canned QueryResult and
    records what the client sent."""

    SERVICE = "google.cloud.dialogflow.v2.Sessions"
    TYPES = dialogflow_v2

    def __init__(self, result):
        types = self.TYPES
        self.requests: list = []
        self.result = result
        self.server = grpc.server(futures.ThreadPoolExecutor(2))
        self.server.add_generic_rpc_handlers(
            [
                grpc.method_handlers_generic_handler(
                    self.SERVICE,
                    {
                        "DetectIntent": grpc.unary_unary_rpc_method_handler(
                            self._detect,
                            request_deserializer=types.DetectIntentRequest.deserialize,
                            response_serializer=types.DetectIntentResponse.serialize,
                        )
                    },
                )
            ]
        )
        self.address = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()

    def _detect(self, request, context):
        self.requests.append(request)
        return self.TYPES.DetectIntentResponse(response_id="r1", query_result=self.result)

    def stop(self):
        self.server.stop(0)


class CxSessionsServer(SessionsServer):
    SERVICE = "google.cloud.dialogflow.cx.v3.Sessions"
    TYPES = dialogflowcx_v3
