import type { Messages } from './index.ts';

/** 繁體中文 (台灣). */
export const zhTW: Messages = {
  'mail.newSubmissionTo': '{form} 有新的表單訊息',
  'mail.defaultSubject': '新的表單訊息：{form}',
  'mail.received': '訊息編號 {id}，收到時間 {time}',
  'mail.viewIt': '查看：{link}',
  'mail.viewInAdmin': '在 Formharbor 中查看',
  'mail.field': '欄位',
  'mail.value': '內容',
  'mail.captchaUnchecked': '無法驗證人機驗證（{reason}）。',
};
