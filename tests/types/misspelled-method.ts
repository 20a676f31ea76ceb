// Must FAIL `tsc --strict`: a prepared context has `validateReply`, not `validateReplies`.
import { Engine } from "deskguard";

new Engine().prepareReplyContext({ kb: [] }).validateReplies("Hi!");
