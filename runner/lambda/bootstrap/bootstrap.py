# stepd's bootstrap for Python Lambda handlers: a long-lived worker process that
# imports the handler once and then serves invocations one at a time, as the
# Lambda runtime does in a warm execution environment.
#
# Protocol with stepd (private file descriptors, so that the handler's own
# standard output and error go to stepd's log untouched):
#   fd 3, requests:  one JSON object per line
#                    {"requestId", "deadlineMs", "executionArn", "idempotencyKey", "traceId", "event"}
#   fd 4, answers:   "READY" once the handler is loaded (or failed to load), then
#                    one line per request: "R" + the result as JSON, or
#                    "E" + the error object as Lambda reports it.
# The worker exits when fd 3 closes (stepd stopped or dropped it).
import importlib
import json
import os
import sys
import time
import traceback

TASK_ROOT = os.environ.get("STEPD_TASK_ROOT", os.getcwd())
SHOWN_ROOT = "/var/task"  # where Lambda keeps the code; stack traces name it so
HANDLER = os.environ.get("_HANDLER", "")
FUNCTION_NAME = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
BOOTSTRAP = os.path.abspath(__file__)


class ClientContext:
    """The ClientContext of an invocation, as the Python runtime gives it."""

    def __init__(self, cc):
        self.client = cc.get("client")
        self.custom = cc.get("custom")
        self.env = cc.get("env")


class LambdaContext:
    """The context object of the Python runtime."""

    def __init__(self, msg):
        self.aws_request_id = msg.get("requestId", "")
        self.function_name = FUNCTION_NAME
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = msg.get("functionArn", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = ClientContext(msg["clientContext"]) if msg.get("clientContext") else None
        self.tenant_id = None
        # stepd's own: which execution calls, and a key to de-duplicate side effects.
        self.stepd_execution_arn = msg.get("executionArn", "")
        self.stepd_idempotency_key = msg.get("idempotencyKey", "")
        self._deadline_ms = msg.get("deadlineMs", 0)

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def log(self, msg):
        sys.stdout.write(str(msg))


def shown(path):
    if path.startswith(TASK_ROOT + os.sep):
        return SHOWN_ROOT + path[len(TASK_ROOT):]
    return path


def fault(exc, request_id, message=None):
    """Lambda's error object for an exception raised by the handler."""
    etype, value, tb = type(exc), exc, exc.__traceback__
    frames = traceback.extract_tb(tb)
    while frames and frames[0].filename == BOOTSTRAP:
        frames = frames[1:]
    for f in frames:
        f.line  # read the source line before the file is renamed
        f.filename = shown(f.filename)
    return {
        "errorMessage": message if message is not None else str(value),
        "errorType": etype.__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def load_handler():
    """Returns (handler, None) or (None, the init error as a function of the request ID)."""
    if "." not in HANDLER:
        return None, lambda rid: {"errorMessage": "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % HANDLER,
                                  "errorType": "Runtime.MalformedHandlerName", "requestId": rid, "stackTrace": []}
    module_name, fn_name = HANDLER.rsplit(".", 1)
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        message = "Unable to import module '%s': %s" % (module_name, e)
        return None, lambda rid: {"errorMessage": message,
                                  "errorType": "Runtime.ImportModuleError", "requestId": rid, "stackTrace": []}
    except Exception as e:  # the module raised while it loaded
        traceback.print_exc()
        err = e
        return None, lambda rid: fault(err, rid)
    handler = getattr(module, fn_name, None)
    if handler is None:
        return None, lambda rid: {"errorMessage": "Handler '%s' missing on module '%s'" % (fn_name, module_name),
                                  "errorType": "Runtime.HandlerNotFound", "requestId": rid, "stackTrace": []}
    return handler, None


def main():
    requests = os.fdopen(3, "rb")
    answers = os.fdopen(4, "wb")
    sys.path.insert(0, TASK_ROOT)
    os.chdir(TASK_ROOT)
    handler, init_error = load_handler()
    answers.write(b"READY\n")  # the init phase is over: invocations are timed from here
    answers.flush()
    for line in requests:
        msg = json.loads(line)
        rid = msg.get("requestId", "")
        # As Lambda's runtime does: the invocation's X-Ray trace, if it has one.
        if msg.get("traceId"):
            os.environ["_X_AMZN_TRACE_ID"] = msg["traceId"]
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        if init_error is not None:
            answer = b"E" + json.dumps(init_error(rid)).encode()
        else:
            try:
                result = handler(msg.get("event"), LambdaContext(msg))
                try:
                    answer = b"R" + json.dumps(result).encode()
                except Exception as e:
                    answer = b"E" + json.dumps({"errorMessage": "Unable to marshal response: %s" % e,
                                                "errorType": "Runtime.MarshalError", "requestId": rid,
                                                "stackTrace": []}).encode()
            except Exception as e:
                traceback.print_exc()
                answer = b"E" + json.dumps(fault(e, rid)).encode()
        # The end marker tells stepd that everything the invocation printed is
        # out (it reads the answer only after both markers).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.write("\x1estepd:end:" + rid + "\n")
                stream.flush()
            except Exception:
                pass  # the handler closed its output
        answers.write(answer + b"\n")
        answers.flush()


if __name__ == "__main__":
    main()
