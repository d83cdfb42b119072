import os
import sys
import time

calls = 0  # module state survives between invocations of a warm worker


class CustomException(Exception):
    pass


def echo(event, context):
    global calls
    calls += 1
    print("hello from", context.function_name)
    print("to stderr", file=sys.stderr)
    return {
        "event": event,
        "calls": calls,
        "pid": os.getpid(),
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 900000,
        "execution": context.stepd_execution_arn,
        "stage": os.environ.get("STAGE"),
        "task_root": os.environ.get("LAMBDA_TASK_ROOT") == os.getcwd(),
    }


def custom(event, context):
    raise CustomException()


def sleep(event, context):
    time.sleep(event.get("seconds", 30))
    return event


def crash(event, context):
    os._exit(3)


def unserializable(event, context):
    return {1, 2}


def trace(event, context):
    return {"trace": os.environ.get("_X_AMZN_TRACE_ID")}


def client_context(event, context):
    cc = context.client_context
    return None if cc is None else {"custom": cc.custom, "env": cc.env, "client": cc.client}
