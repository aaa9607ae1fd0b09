// Parameters for main.bicep. infra/deploy.sh sets the SC_* environment variables; the secrets come only from there
// (never from this file or a command line). Without them the two keys are empty and the deployment is refused
// (they need at least 32 characters). bicep snapshot (see README.md) reads this file with none of them set.
using 'main.bicep'

param namePrefix = readEnvironmentVariable('SC_NAME_PREFIX', 'sc')
param storageSku = 'Standard_LRS'
param signalRSku = readEnvironmentVariable('SC_SIGNALR_SKU', 'Free_F1')
param signalRCapacity = int(readEnvironmentVariable('SC_SIGNALR_UNITS', '1'))
param maximumInstanceCount = int(readEnvironmentVariable('SC_MAXIMUM_INSTANCE_COUNT', '10'))
param instanceMemoryMB = 2048
param durableAlwaysReadyInstances = 1
param allowStorageSharedKeyAccess = false
param logRetentionDays = 30
param platformAdminKey = readEnvironmentVariable('SC_PLATFORM_ADMIN_KEY')
param tokenSigningKey = readEnvironmentVariable('SC_TOKEN_SIGNING_KEY')
param memberVerification = readEnvironmentVariable('SC_MEMBER_VERIFICATION', 'on')
param messageWebhookUrl = readEnvironmentVariable('SC_MESSAGE_WEBHOOK_URL', '')
param messageWebhookSecret = readEnvironmentVariable('SC_MESSAGE_WEBHOOK_SECRET', '')
