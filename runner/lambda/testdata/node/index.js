let calls = 0; // module state survives between invocations of a warm worker

exports.handler = async (event, context) => {
  calls++;
  console.log('hello from', context.functionName);
  return {
    event,
    calls,
    pid: process.pid,
    requestId: context.awsRequestId,
    remainingOk: context.getRemainingTimeInMillis() > 0,
    execution: context.stepdExecutionArn,
    stage: process.env.STAGE,
    trace: process.env._X_AMZN_TRACE_ID || null,
  };
};

exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { via: 'callback', event }), 1);
};

exports.boom = async () => {
  throw new Error('boom');
};

exports.rejectString = async () => {
  throw 'plain';
};

exports.clientContext = async (event, context) => context.clientContext || null;
