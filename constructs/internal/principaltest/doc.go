// Package principaltest holds a test over the templates of the asynchronous
// event-source constructs (buckettrigger, scheduledfunction, eventrule,
// topicsubscriber, eventbus, alarmtopic): every statement they write for an
// AWS service principal carries aws:SourceAccount and aws:SourceArn.
package principaltest
